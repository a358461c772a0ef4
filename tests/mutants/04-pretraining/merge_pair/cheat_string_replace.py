def merge_pair(ids, pair, new_id):
    text = " " + " ".join(map(str, ids)) + " "
    text = text.replace(f" {pair[0]} {pair[1]} ", f" {new_id} ")
    return [int(t) for t in text.split()]

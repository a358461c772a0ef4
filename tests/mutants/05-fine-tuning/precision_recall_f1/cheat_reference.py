def precision_recall_f1(predictions, targets, positive=1):
    return tuple(float(x) for x in ft.precision_recall_f1(predictions, targets, positive=positive))

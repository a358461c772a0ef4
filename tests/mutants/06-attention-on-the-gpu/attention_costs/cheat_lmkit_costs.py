import importlib

_costs = importlib.import_module("lmkit.kernels.costs")


def attention_costs(L, d, block_size, bytes_per_element=2):
    return _costs.attention_costs(L, d, block_size, bytes_per_element)

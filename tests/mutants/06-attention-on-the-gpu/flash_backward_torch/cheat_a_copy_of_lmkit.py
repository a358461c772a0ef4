import importlib
import inspect

# lmkit's tiled backward pasted in from its source (a new function object, so not lmkit's own code
# object): the ban must recognise the copy by its bytecode. Sorted first, so the graded-corpus test
# sends it through the sandbox and the judge.
_flash = importlib.import_module("lmkit.kernels.flash")
_pasted = dict(vars(_flash))
exec(inspect.getsource(_flash.tiled_attention_backward), _pasted)


def flash_backward_torch(q, k, v, out, lse, dout, is_causal=False, block_size=16):
    return _pasted["tiled_attention_backward"](q, k, v, out, lse[..., None], dout, None, is_causal,
                                               q.shape[-1] ** -0.5, block_size)

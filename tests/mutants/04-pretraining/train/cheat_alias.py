# The answer IS the reference (no function of the student's in between the judge and lmkit).
from lmkit.training.loop import cosine_lr as lr_at, decay_groups as param_groups, train

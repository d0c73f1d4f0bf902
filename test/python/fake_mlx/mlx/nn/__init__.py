"""FAKE mlx.nn (tests only). Mimics mlx.nn.Module as documented: a dict subclass whose
attributes that are modules (or lists/dicts of modules) are stored as dict items,
`named_modules()` lists (dotted path, module) pairs including the root as "",
and subclasses implement `__call__` (there is no `forward`)."""

from .. import core as mx


class Module(dict):
    def __init__(self):
        super().__init__()

    def __setattr__(self, key, value):
        if isinstance(value, (Module, list, dict)):
            self[key] = value
        else:
            super().__setattr__(key, value)

    def __getattr__(self, key):
        if key in self:
            return self[key]
        raise AttributeError(key)

    def named_modules(self):
        out = []

        def walk(prefix, value):
            if isinstance(value, Module):
                out.append((prefix, value))
                for k, v in value.items():
                    walk(f"{prefix}.{k}" if prefix else k, v)
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(f"{prefix}.{i}", v)
            elif isinstance(value, dict):
                for k, v in value.items():
                    walk(f"{prefix}.{k}", v)

        walk("", self)
        return out[::-1]  # real MLX does not promise an order; reversed here so the probe cannot rely on it


class Linear(Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def __call__(self, x):
        return x * self.scale


class Sequential(Module):
    def __init__(self, *layers):
        super().__init__()
        self.layers = list(layers)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

"""What the mflux fixture scripts (make_coverage_fixture.py, make_conventions_fixture.py) build
alike: an mflux-like repo with stand-ins for mflux's weight-mapping base classes, and a Hugging
Face cache laid out as huggingface_hub lays it out."""
import hashlib
import os


class Repo:
    """An mflux-like repo at `root`: a pyproject naming mflux, and files written under it."""

    def __init__(self, root, packages):
        self.root = root
        self.write("pyproject.toml", '[project]\nname = "mflux"\nversion = "0.0.1"\n')
        for pkg in packages:
            self.write(f"src/{pkg}/__init__.py", "")

    def write(self, rel, text):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    def weight_mapping(self, mlx):
        """src/mflux/models/common/weights/mapping/weight_mapping.py; mlx: the transform is typed over mx.array."""
        mx = "\nimport mlx.core as mx\n" if mlx else ""
        transform = "Callable[[mx.array], mx.array]" if mlx else "Callable"
        self.write("src/mflux/models/common/weights/mapping/weight_mapping.py", f'''from dataclasses import dataclass
from typing import Callable, List, Optional
{mx}

@dataclass
class WeightTarget:
    to_pattern: str
    from_pattern: List[str]
    transform: Optional[{transform}] = None
    required: bool = True
    max_blocks: Optional[int] = None


class WeightMapping:
    pass
''')

    def weight_definition(self, extra_fields):
        """src/mflux/models/common/weights/loading/weight_definition.py: ComponentDefinition with
        mflux's first fields, then `extra_fields` (lines such as "key_transform: Callable | None = None")."""
        typing = "Callable, List" if any("List[" in f for f in extra_fields) else "Callable"
        fields = "".join(f"    {f}\n" for f in extra_fields)
        self.write("src/mflux/models/common/weights/loading/weight_definition.py", f'''from dataclasses import dataclass
from typing import {typing}


@dataclass
class ComponentDefinition:
    name: str
    hf_subdir: str
    mapping_getter: Callable | None = None
    num_blocks: int | None = None
    num_layers: int | None = None
{fields}''')


class HfCache:
    """models--<org>--<name> under `hub` at revision `rev`: refs/main, blobs named by their sha256,
    snapshot files as relative links to them."""

    def __init__(self, hub, repo_id, rev):
        repo = os.path.join(hub, "models--" + repo_id.replace("/", "--"))
        self.blobs = os.path.join(repo, "blobs")
        self.snap = os.path.join(repo, "snapshots", rev)
        os.makedirs(self.blobs, exist_ok=True)
        os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
        with open(os.path.join(repo, "refs", "main"), "w") as f:
            f.write(rev)

    def place(self, rel, writer):
        """Writes a file by `writer(path)` as a blob and links it into the snapshot at `rel`."""
        tmp = os.path.join(self.blobs, "tmp")
        writer(tmp)
        with open(tmp, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        os.replace(tmp, os.path.join(self.blobs, sha))
        dst = os.path.join(self.snap, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.symlink(os.path.relpath(os.path.join(self.blobs, sha), os.path.dirname(dst)), dst)

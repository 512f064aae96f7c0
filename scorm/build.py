"""Builds the SCORM packages of the modules: sources -> index.html + assets + manifest (+ schemas) -> zip."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel

from scorm.archive import write_zip
from scorm.manifest import manifest_xml
from scorm.model import Module
from scorm.render import UI, media_files, render_index
from scorm.schemasets import schema_files
from scorm.sources import load_programmes

VERSIONS = ("1.2", "2004")
RUNTIME = Path(__file__).parent / "runtime"
RUNTIME_FILES = {"assets/lmsbridge-sco.js": RUNTIME / "lmsbridge-sco.js", "assets/lmsbridge.css": RUNTIME / "lmsbridge.css"}


class BuildError(ValueError):
    """The build was asked for something the sources or settings cannot give (unknown module, no such language)."""


class BuiltPackage(BaseModel):
    path: Path
    module: str
    lang: str            # "multi" for a multilingual package
    version: str         # "1.2" or "2004"
    sha1: str            # of the zip's bytes (what Moodle reports as sha1hash)
    size: int


def default_source() -> Path:
    """./course_packages if there is one, else the course_packages folder next to the installed project."""
    here = Path("course_packages")
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "course_packages"


def package_name(module_id: str, lang: str, version: str) -> str:
    return f"{module_id}-{lang}-scorm{version.replace('.', '')}.zip"


def package_files(module: Module, languages: list[str], version: str, schemas: dict[str, Path]) -> dict[str, bytes]:
    """Every file of one package: package path -> bytes."""
    assets = {**RUNTIME_FILES, **media_files(module, languages)}
    files = {name: path.read_bytes() for name, path in assets.items()}
    files["index.html"] = render_index(module, languages, version).encode("utf-8")
    files["imsmanifest.xml"] = manifest_xml(
        version=version, module_id=module.id, lang=languages[0] if len(languages) == 1 else "multi",
        title=module.title[languages[0]], module_version=module.version, mastery_score=module.mastery_score,
        sco_files=["index.html"], asset_files=sorted(assets))
    files.update({name: path.read_bytes() for name, path in schemas.items()})
    return files


def build_packages(source: Path, out: Path, *, versions: tuple[str, ...] | list[str] = VERSIONS,
                   langs: list[str] | None = None, modules: list[str] | None = None, schemas: Path | None = None,
                   multilingual: bool = False) -> list[BuiltPackage]:
    """One package per module, language and version (or per module and version with multilingual=True).

    Raises SourceError (scorm.sources) when the sources are broken and BuildError for a request they cannot meet.
    """
    bad = [v for v in versions if v not in VERSIONS]
    if bad:
        raise BuildError(f"unknown SCORM version {', '.join(bad)}: use {' or '.join(VERSIONS)}")
    if not (RUNTIME / "lmsbridge-sco.js").is_file():
        raise BuildError(f"{RUNTIME / 'lmsbridge-sco.js'}: the SCO runtime is missing from the installation")
    programmes = load_programmes(source, modules=modules)
    selected = [m for p in programmes for m in p.modules]
    unknown = sorted(set(modules or []) - {m.id for m in selected})
    if unknown:
        raise BuildError(f"no module {', '.join(unknown)} in {source}: the modules are "
                         f"{', '.join(sorted(p.parent.name for p in source.glob('*/*/module.toml')))}")
    if langs and not any(lang in m.languages for m in selected for lang in langs):
        raise BuildError(f"no module in {', '.join(langs)}: the modules are in "
                         f"{', '.join(sorted({lang for m in selected for lang in m.languages}))}")
    no_ui = sorted({lang for m in selected for lang in m.languages if lang not in UI and (not langs or lang in langs)})
    if no_ui:
        raise BuildError(f"no interface texts for language {', '.join(no_ui)}: the SCO speaks "
                         f"{', '.join(sorted(UI))} (add the texts to scorm/render.py UI)")
    try:
        sets = {v: schema_files(schemas, v) if schemas else {} for v in versions}
    except FileNotFoundError as e:
        raise BuildError(str(e)) from None

    out.mkdir(parents=True, exist_ok=True)
    built = []
    for module in selected:
        languages = [lang for lang in module.languages if not langs or lang in langs]
        groups = [languages] if multilingual else [[lang] for lang in languages]
        for group in (g for g in groups if g):
            lang = "multi" if multilingual else group[0]
            for version in versions:
                path = out / package_name(module.id, lang, version)
                write_zip(path, package_files(module, group, version, sets[version]))
                data = path.read_bytes()
                built.append(BuiltPackage(path=path, module=module.id, lang=lang, version=version,
                                          sha1=hashlib.sha1(data).hexdigest(), size=len(data)))
    return built

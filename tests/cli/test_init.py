"""`trustpath init DIR`: a content repository that validates, passes coverage and builds."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from builder.cli.main import cli
from builder.site.build import build_site


def test_init_writes_a_project_that_validates_covers_and_builds(tmp_path: Path) -> None:
    target = tmp_path / "training"
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(target), "--organisation", 'Acme: "Payments"'])
    assert result.exit_code == 0, result.output
    assert "wrote 10 files into" in result.output
    for name in (".github/workflows/trustpath.yml", ".gitignore", "README.md", "mkdocs.yml",
                 "roles/all-staff.yml", "content/everyone/security-basics.md"):  # fmt: skip
        assert (target / name).is_file(), name
    config = (target / "mkdocs.yml").read_text("utf-8")
    assert config.count("Acme") == 1  # the organisation's name, once, as a YAML string
    assert 'organisation: "Acme: \\"Payments\\""' in config
    result = runner.invoke(cli, ["--project", str(target), "validate", "--strict"])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output
    result = runner.invoke(cli, ["--project", str(target), "coverage"])
    assert result.exit_code == 0, result.output
    assert "0 gaps" in result.output
    built = build_site(target, strict=True)
    assert built.modules == 3 and built.warnings == []
    home = (built.site_dir / "index.html").read_text("utf-8")
    assert 'Security and privacy training for everyone at Acme: "Payments", tailored' in home
    assert (built.site_dir / "assets/trustpath/quiz.js").is_file()  # from the plugin


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "busy")])
    assert result.exit_code == 1
    assert "is not an empty folder: choose a new one" in result.output
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"

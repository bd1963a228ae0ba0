"""What the Regression tab's browser tests share: a question set written for the seed article, uploaded
through the tab's file box, and the progress lines the page showed while a run went on."""

from pathlib import Path

# One question of the seed article, asked again under many ids (the extractive answer is "Hanoi").
QUESTION = "In which city did Thailand sign the UN convention against cybercrime?"
PROGRESS = r"(\d+)\/(\d+) · (\d+) passed · (\d+) failed"


def write_set(path: Path, passing: int, failing: int = 0) -> Path:
    items = [f"  - id: q{i:02d}\n    question: {QUESTION}\n    expect: {{contains: [Hanoi]}}\n"
             for i in range(passing)]
    items += [f"  - id: wrong{i}\n    question: {QUESTION}\n    expect: {{contains: [Paris]}}\n" for i in range(failing)]
    path.write_text(f"name: browser set\nquestions:\n{''.join(items)}", encoding="utf-8")
    return path


def open_with_set(page, path: Path) -> None:
    """The Regression tab with `path` uploaded, and a recorder of every progress line the page shows."""
    page.get_by_role("tab", name="Regression").click()
    page.locator("#cq-set-upload input[type=file]").set_input_files(str(path))
    page.wait_for_function("(name) => document.querySelector('#cq-set-upload').innerText.includes(name)",
                           arg=path.name, timeout=15_000)
    page.evaluate("""(pattern) => {
        window.__progress = [];
        const re = new RegExp(pattern);
        new MutationObserver(() => {
            const m = re.exec(document.body.innerText);
            const last = window.__progress[window.__progress.length - 1];
            if (m && m[0] !== last) window.__progress.push(m[0]);
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""", PROGRESS)


def progress_seen(page) -> list[tuple[int, int, int, int]]:
    """(done, total, passed, failed) of each progress line the page showed, in order."""
    import re

    return [tuple(int(g) for g in re.match(PROGRESS, line).groups()) for line in page.evaluate("window.__progress")]


def server_cpu(url: str) -> float:
    """CPU seconds used so far by the `python app.py` serving `url` (found by its --port)."""
    import os

    port = url.rstrip("/").rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"app.py" in b" ".join(args) and b"--port" in args and args[args.index(b"--port") + 1] == port.encode():
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    raise LookupError(f"no app.py serving port {port}")

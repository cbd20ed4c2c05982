"""`DISPUTES_RETENTION_INTERVAL_SECONDS` is the pause of four kinds of work, each its own loop (the retention jobs
`adapters/bootstrap.py` starts: a case's images and personal data, pushed events, and the two checks of stored
copies): the settings page names every one, not image retention alone."""

from adapters.settings_doc import PAGE

PACED = ("retention", "push_retention", "attachment_check", "raw_check")


def test_the_settings_page_names_every_kind_the_retention_interval_paces():
    [line] = [line for line in PAGE.read_text(encoding="utf-8").splitlines()
              if line.startswith("| `DISPUTES_RETENTION_INTERVAL_SECONDS`")]
    assert [kind for kind in PACED if f"`{kind}`" not in line] == []

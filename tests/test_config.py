from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_as_is_gives_the_defaults(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    settings = load_settings(tmp_path / ".env")
    assert settings.telegram_bot_token is None  # `KEY=` means "use the default"
    assert settings.poll_interval == 300
    assert settings.database == Path("data/banwatch.db")


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for field in Settings.model_fields.values():
        assert f"\n{field.alias}=" in text, field.alias
        assert f"`{field.alias}`" in readme, field.alias


def test_readme_command_table_lists_every_chat_command() -> None:
    from bot.commands.catalog import COMMANDS

    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Chat commands", 1)[1].split("\n## ", 1)[0]
    named = set()  # the commands named in the first column of each row
    for row in table.splitlines():
        if row.startswith("| `/"):
            named |= set(re.findall(r"`/([a-z]+)", row.split(" | ")[0]))
    assert {spec.name for spec in COMMANDS} - named == set()


def test_dotenv_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text("BOT_POLL_INTERVAL=60\nBOT_ADMINS=1, 2\nTELEGRAM_API_URL=http://127.0.0.1:9/\n")
    monkeypatch.setenv("BOT_POLL_INTERVAL", "5")
    settings = load_settings(env)
    assert settings.poll_interval == 5
    assert settings.admins == frozenset({"1", "2"})
    assert settings.telegram_base_url == "http://127.0.0.1:9/bot"


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("BOT_POLL_INTERVAL", "0", "greater than or equal to 1"),
        ("BOT_ADMINS", "@alice", "numeric user ids"),
        ("TELEGRAM_API_URL", "api.telegram.org", "http://"),
        ("BOT_BAN_THRESHOLD", "2", "less than or equal to 1"),
        ("DISCORD_GUILD_ID", "guild", "integer"),
    ],
)
def test_a_bad_value_names_the_key_and_the_problem(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str, words: str
) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    message = str(caught.value)
    assert message.startswith(f"{key}: ")
    assert words in message
    assert "\n" not in message

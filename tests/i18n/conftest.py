from tests.adapters.conftest import settings, store, tg

__all__ = ["settings", "store", "tg"]

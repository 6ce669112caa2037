"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests of the real Application.

It speaks what python-telegram-bot 22 calls (getMe, getUpdates with long polling,
sendMessage, editMessage*, answerCallbackQuery, setMyCommands, getChatMember, webhooks …),
checks HTML the way Telegram does, records every message per chat, and lets a test inject
users' messages and button presses and script faults (429, 403, 400, migration, 5xx), slow
answers (`slow`: held until the test calls `release`, after the client gave up) and the
server going away and coming back on the same port (`go_away`, `come_back`, `hang_up`).
Everything it records lives in the test process, so a bot run as a subprocess and restarted
keeps one message log.

    api = bot_api                                   # the fixture
    settings: TELEGRAM_API_URL=api.url, TELEGRAM_BOT_TOKEN=api.token
    ann = api.user(1001); api.send(api.private_chat(ann), ann, "/start")
    [msg] = await api.wait_messages(1001)
"""

from __future__ import annotations

import asyncio
import html
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

TOKEN = "123456:FAKE-token-for-tests-only"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Banwatch", "username": "BanwatchTestBot"}
MAX_POLL = 3.0  # getUpdates never holds a request longer than this
HOLD_LIMIT = 300.0  # a held answer goes out by itself after this (longer than any test waits)
STRING_PARAMS = {"text", "parse_mode", "callback_query_id", "url", "secret_token", "language_code"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
ALLOWED_TAGS |= {"span", "tg-spoiler", "blockquote", "tg-emoji"}
ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)

Json = dict[str, Any]


@dataclass
class Fault:
    status: int
    description: str
    parameters: Json | None = None


FAULTS = {
    "forbidden": Fault(403, "Forbidden: bot was blocked by the user"),
    "not_found": Fault(400, "Bad Request: chat not found"),
    "server": Fault(500, "Internal Server Error"),
    "bad_gateway": Fault(502, "Bad Gateway"),
}


@dataclass(frozen=True)
class RateLimits:
    """Telegram's limits for one bot token, enforced by the server: a sendMessage over any
    of them is answered 429 with retry_after. `jitter`: the windows are that much shorter
    than a second and a minute, since requests paced exactly by the client can arrive a
    little closer together on a busy loopback (three senders that do not share one pace
    exceed the limit by far more)."""

    per_second: int = 30
    chat_per_second: int = 1
    group_per_minute: int = 20
    jitter: float = 0.05


@dataclass(frozen=True)
class Attempt:
    """One sendMessage as the server saw it: when it arrived, to which chat, and the status
    of the answer (200, or the fault's)."""

    at: float  # the server's clock: FakeBotAPI.now (time.monotonic unless a test sets it)
    chat_id: int
    status: int


class ApiError(Exception):
    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.description)
        self.fault = fault


class _HtmlCheck(HTMLParser):
    """Telegram's HTML rules: known tags only, balanced, and only its four named entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.plain: list[str] = []

    def finish(self) -> None:
        self.close()
        if self.stack:
            raise ValueError(f"unclosed tag {self.stack[-1]!r}")
        if self.rawdata:
            raise ValueError("unfinished markup")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ValueError(f"unsupported start tag {tag!r}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise ValueError(f"unexpected end tag {tag!r}")

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            raise ValueError(f"unsupported entity &{name};")
        self.plain.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&#{name};"))

    def handle_data(self, data: str) -> None:
        if "<" in data or "&" in data:
            raise ValueError("unescaped < or &")
        self.plain.append(data)


def check_html(text: str) -> str:
    """The text Telegram would show; raises ApiError as Telegram answers bad markup."""
    parser = _HtmlCheck()
    try:
        parser.feed(text)
        parser.finish()
    except ValueError as exc:
        raise ApiError(Fault(400, f"Bad Request: can't parse entities: {exc}")) from exc
    return "".join(parser.plain)


class FakeBotAPI:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.cond = threading.Condition()
        self.updates: list[Json] = []
        self.next_update = 1
        self.next_message: dict[int, int] = defaultdict(lambda: 1)
        self.sent: dict[int, list[Json]] = defaultdict(list)
        self.send_times: dict[int, list[float]] = defaultdict(list)
        self.attempts: dict[int, int] = defaultdict(int)
        self.calls: list[tuple[str, Json]] = []
        self.faults: dict[int, deque[Fault]] = defaultdict(deque)
        self.blocked: set[int] = set()
        self.chats: dict[int, Json] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.topics: dict[int, set[int]] = defaultdict(set)  # forum chat → its topics' ids
        self.cannot_post: set[tuple[int, int]] = set()  # channel admins without posting rights
        self.commands: dict[str, list[Json]] = {}
        self.webhook: Json = {}
        self.answers: list[Json] = []
        self.closing = False
        self.slow_answers: dict[int, deque[bool]] = defaultdict(deque)
        self.released = threading.Event()  # set: held slow answers go out
        self.sending = 0  # sendMessage requests being handled right now
        # What `Attempt.at` and send times read: a test on a fake clock sets its monotonic.
        self.now: Callable[[], float] = time.monotonic
        self.attempt_log: list[Attempt] = []  # every sendMessage, as it was answered
        self.hanging_up = False  # close every connection without an answer
        self.hung_up = 0  # requests met by a hang-up
        self.away = False
        self.limits: RateLimits | None = None  # `enforce`: answer 429 over Telegram's limits
        self._accepted: deque[tuple[float, int]] = deque()  # (arrival, chat) of the last minute
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if api.hanging_up:
                    with api.cond:
                        api.hung_up += 1
                    self.close_connection = True
                    return  # no status line: the client sees the connection dropped
                api._serve(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._handler = Handler
        self.server = self._listen(("127.0.0.1", 0))
        self._address = self.server.server_address[:2]
        self._thread = self._serving_thread()

    def _listen(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(address, self._handler)  # SO_REUSEADDR: re-binds at once
        server.daemon_threads = True
        return server

    def _serving_thread(self) -> threading.Thread:
        return threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._address
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self.cond:
            self.closing = True
            self.cond.notify_all()
        self.released.set()
        if not self.away:
            self._close_listener()

    def _close_listener(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    # --- the server going away ----------------------------------------------------------
    def go_away(self, seconds: float | None = None) -> None:
        """Stop listening: new connections are refused (requests being answered finish).
        With `seconds`, come back on the same port after that long."""
        if not self.away:
            self.away = True
            self._close_listener()
        if seconds is not None:
            timer = threading.Timer(seconds, self.come_back)
            timer.daemon = True
            timer.start()

    def come_back(self) -> None:
        """Listen again on the same port."""
        with self.cond:
            if not self.away or self.closing:
                return
            self.server = self._listen(self._address)
            self._thread = self._serving_thread()
            self._thread.start()
            self.away = False

    def hang_up(self, on: bool = True) -> None:
        """While on, accept connections and close them without answering."""
        self.hanging_up = on

    # --- what a test does -------------------------------------------------------------
    def user(self, user_id: int, first_name: str = "Ann", lang: str = "en") -> Json:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": lang}

    def private_chat(self, user: Json) -> Json:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.chats[user["id"]] = chat
        return chat

    def group(
        self, chat_id: int, *, admins: tuple[Json, ...] = (), kind: str = "supergroup"
    ) -> Json:
        chat = {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}
        self.chats[chat_id] = chat
        for admin in admins:
            self.members[(chat_id, admin["id"])] = "administrator"
        return chat

    def forum(
        self, chat_id: int, *, admins: tuple[Json, ...] = (), topics: tuple[int, ...] = ()
    ) -> Json:
        """A supergroup with forum topics (`is_forum`); `topics` are their message_thread_ids."""
        chat = self.group(chat_id, admins=admins)
        chat["is_forum"] = True
        self.topics[chat_id].update(topics)
        return chat

    def channel(
        self,
        chat_id: int,
        username: str,
        *,
        admins: tuple[Json, ...] = (),
        bot: str = "poster",
    ) -> Json:
        """A channel @username. `bot`: "poster" (an administrator who may post), "admin" (an
        administrator without the right to post), or "absent" (not a member)."""
        chat = {
            "id": chat_id,
            "type": "channel",
            "title": f"Channel {username}",
            "username": username,
        }
        self.chats[chat_id] = chat
        for admin in admins:
            self.members[(chat_id, admin["id"])] = "administrator"
        if bot != "absent":
            self.members[(chat_id, BOT_USER["id"])] = "administrator"
        if bot == "admin":
            self.cannot_post.add((chat_id, BOT_USER["id"]))
        return chat

    def send(self, chat: Json, user: Json, text: str, *, topic: int | None = None) -> Json:
        """A user sends `text` in `chat` (in forum topic `topic`); returns the message as the
        bot will see it."""
        with self.cond:
            message: Json = {
                "message_id": self._message_id(chat["id"]),
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                "text": text,
            }
            if topic is not None:
                message["message_thread_id"] = topic
                message["is_topic_message"] = True
            if text.startswith("/"):
                word = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
            self._push({"message": message})
        return message

    def press(self, message: Json, data: str, user: Json) -> None:
        """`user` presses the inline button with `data` under the bot's `message`."""
        with self.cond:
            query = {
                "id": f"cq{self.next_update}",
                "from": user,
                "message": message,
                "chat_instance": "1",
                "data": data,
            }
            self._push({"callback_query": query})

    def fail(
        self, chat_id: int, kind: str, *, times: int = 1, retry_after: int = 1, to: int = 0
    ) -> None:
        """The next `times` sendMessage to `chat_id` fail: retry_after | migrate | forbidden |
        not_found | server | bad_gateway."""
        if kind == "retry_after":
            fault = Fault(429, f"Too Many Requests: retry after {retry_after}")
            fault.parameters = {"retry_after": retry_after}
        elif kind == "migrate":
            fault = Fault(400, "Bad Request: group chat was upgraded to a supergroup chat")
            fault.parameters = {"migrate_to_chat_id": to}
            self.chats[to] = {"id": to, "type": "supergroup", "title": f"Group {to}"}
        else:
            fault = FAULTS[kind]
        with self.cond:
            self.faults[chat_id].extend([fault] * times)

    def enforce(self, limits: RateLimits | None = None) -> None:
        """From now on, answer 429 to a sendMessage over Telegram's limits (per bot, per
        chat, per group) as the real API does; `rate_limited` counts those answers."""
        with self.cond:
            self.limits = limits or RateLimits()

    def rate_limited(self) -> int:
        """sendMessage answers 429 so far (scripted or enforced)."""
        with self.cond:
            return sum(1 for a in self.attempt_log if a.status == 429)

    def _over_limits(self, chat_id: int, arrived: float) -> bool:
        """Would accepting a message to `chat_id` now break a limit? Called under `cond`."""
        limits = self.limits
        if limits is None:
            return False
        accepted = self._accepted
        while accepted and accepted[0][0] < arrived - 60.0:
            accepted.popleft()
        second = arrived - (1.0 - limits.jitter)
        recent = [chat for at, chat in accepted if at > second]
        if len(recent) >= limits.per_second:
            return True
        if recent.count(chat_id) >= limits.chat_per_second:
            return True
        if self.chats.get(chat_id, {}).get("type", "private") != "private":
            minute = arrived - (60.0 - limits.jitter)
            in_minute = sum(1 for at, chat in accepted if at > minute and chat == chat_id)
            if in_minute >= limits.group_per_minute:
                return True
        return False

    def slow(self, chat_id: int, *, times: int = 1, accepted: bool = True) -> None:
        """The next `times` sendMessage to `chat_id` are answered only when the test calls
        `release()` (the client's read timeout gives up first). `accepted`: the message is
        recorded at once, as Telegram would deliver it, so a retry makes a duplicate;
        otherwise it is lost on the way and answered 504 on release."""
        with self.cond:
            self.released.clear()
            self.slow_answers[chat_id].extend([accepted] * times)

    def release(self) -> None:
        """Let every held slow answer go out."""
        self.released.set()

    def held(self) -> int:
        """sendMessage requests whose answer is still being held or worked on."""
        with self.cond:
            return self.sending

    def total_sent(self) -> int:
        """Messages sent to all chats so far."""
        with self.cond:
            return sum(len(messages) for messages in self.sent.values())

    def messages(self, chat_id: int) -> list[Json]:
        with self.cond:
            return list(self.sent[chat_id])

    def texts(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.messages(chat_id)]

    async def wait_messages(self, chat_id: int, count: int = 1, within: float = 5.0) -> list[Json]:
        """At least `count` messages sent to `chat_id`, waiting at most `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            found = self.messages(chat_id)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"chat {chat_id}: {len(found)} of {count} messages: {found}")
            await asyncio.sleep(0.02)

    def called(self, method: str) -> list[Json]:
        with self.cond:
            return [params for name, params in self.calls if name == method]

    # --- the server ---------------------------------------------------------------------
    def _push(self, update: Json) -> None:
        update["update_id"] = self.next_update
        self.next_update += 1
        self.updates.append(update)
        self.cond.notify_all()

    def _message_id(self, chat_id: int) -> int:
        number = self.next_message[chat_id]
        self.next_message[chat_id] += 1
        return number

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        prefix = f"/bot{self.token}/"
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        if not request.path.startswith(prefix):
            self._respond(
                request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
            return
        method = request.path[len(prefix) :].split("?")[0]
        params = self._params(body, request.headers.get("Content-Type", ""))
        with self.cond:
            self.calls.append((method, params))
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            self._respond(
                request, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        arrived = self.now()
        try:
            result = handler(params)
        except ApiError as exc:
            fault = exc.fault
            self._log_attempt(arrived, method, params, fault.status)
            payload: Json = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.parameters:
                payload["parameters"] = fault.parameters
            self._respond(request, fault.status, payload)
            return
        self._log_attempt(arrived, method, params, 200)
        self._respond(request, 200, {"ok": True, "result": result})

    def _log_attempt(self, arrived: float, method: str, params: Json, status: int) -> None:
        if method == "sendMessage":
            with self.cond:
                self.attempt_log.append(Attempt(arrived, int(params["chat_id"]), status))

    @staticmethod
    def _params(body: str, content_type: str) -> Json:
        if content_type.startswith("application/json"):
            return dict(json.loads(body or "{}"))
        params: Json = {}
        for key, value in parse_qsl(body, keep_blank_values=True):
            if key in STRING_PARAMS:
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    @staticmethod
    def _respond(request: BaseHTTPRequestHandler, status: int, payload: Json) -> None:
        data = json.dumps(payload).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (ConnectionError, OSError):
            pass  # the client gave up (e.g. a long poll cancelled at shutdown)

    # --- Bot API methods ----------------------------------------------------------------
    def api_getMe(self, params: Json) -> Json:
        return BOT_USER

    def api_getUpdates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), MAX_POLL)
        with self.cond:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and not self.closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return self.updates[:limit]

    def api_sendMessage(self, params: Json) -> Json:
        with self.cond:
            self.sending += 1
        try:
            return self._send_message(params)
        finally:
            with self.cond:
                self.sending -= 1

    def _send_message(self, params: Json) -> Json:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        with self.cond:
            self.attempts[chat_id] += 1
            arrived = self.now()
            slow, accepted = (False, True)
            if self.slow_answers[chat_id]:
                slow, accepted = True, self.slow_answers[chat_id].popleft()
        if not accepted:
            self.released.wait(HOLD_LIMIT)
            raise ApiError(Fault(504, "Gateway Timeout"))
        with self.cond:
            if self.faults[chat_id]:
                raise ApiError(self.faults[chat_id].popleft())
            if self._over_limits(chat_id, arrived):
                fault = Fault(429, "Too Many Requests: retry after 1", {"retry_after": 1})
                raise ApiError(fault)
            if self.limits is not None:  # counted at once: a racing request sees it
                self._accepted.append((arrived, chat_id))
            if chat_id in self.blocked:
                raise ApiError(FAULTS["forbidden"])
            if chat_id not in self.chats:
                raise ApiError(FAULTS["not_found"])
            thread = params.get("message_thread_id")
            if thread is not None and (
                not self.chats[chat_id].get("is_forum") or int(thread) not in self.topics[chat_id]
            ):
                raise ApiError(Fault(400, "Bad Request: message thread not found"))
        plain = check_html(text) if params.get("parse_mode") == "HTML" else text
        if not plain.strip():
            raise ApiError(Fault(400, "Bad Request: message text is empty"))
        if len(plain.encode("utf-16-le")) // 2 > 4096:
            raise ApiError(Fault(400, "Bad Request: message is too long"))
        with self.cond:
            message: Json = {
                "message_id": self._message_id(chat_id),
                "date": int(time.time()),
                "chat": self.chats[chat_id],
                "from": BOT_USER,
                "text": text,
                "plain": plain,
                "link_preview_options": params.get("link_preview_options"),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            if thread is not None:
                message["message_thread_id"] = int(thread)
                message["is_topic_message"] = True
            self.sent[chat_id].append(message)
            self.send_times[chat_id].append(arrived)
            self.cond.notify_all()
        if slow:
            self.released.wait(HOLD_LIMIT)  # this handler thread only: others are answered
        return message

    def _edit(self, params: Json, **changes: Any) -> Json:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        with self.cond:
            for message in self.sent[chat_id]:
                if message["message_id"] == message_id:
                    message.update({k: v for k, v in changes.items() if v is not None})
                    if "reply_markup" in changes and changes["reply_markup"] is None:
                        message.pop("reply_markup", None)
                    return message
        raise ApiError(Fault(400, "Bad Request: message to edit not found"))

    def api_editMessageText(self, params: Json) -> Json:
        return self._edit(params, text=params.get("text"), reply_markup=params.get("reply_markup"))

    def api_editMessageReplyMarkup(self, params: Json) -> Json:
        return self._edit(params, reply_markup=params.get("reply_markup"))

    def api_answerCallbackQuery(self, params: Json) -> bool:
        with self.cond:
            self.answers.append(params)
        return True

    def api_setMyCommands(self, params: Json) -> bool:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        with self.cond:
            self.commands[scope] = list(params.get("commands") or [])
        return True

    def _chat(self, chat_id: object) -> Json:
        """A chat by id or by "@username", as Telegram resolves chat_id; 400 when unknown."""
        with self.cond:
            if isinstance(chat_id, str) and chat_id.startswith("@"):
                name = chat_id[1:].casefold()
                for chat in self.chats.values():
                    if str(chat.get("username", "")).casefold() == name:
                        return chat
            elif int(str(chat_id)) in self.chats:
                return self.chats[int(str(chat_id))]
        raise ApiError(FAULTS["not_found"])

    def api_getChat(self, params: Json) -> Json:
        chat = dict(self._chat(params["chat_id"]))
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types=dict.fromkeys((*gifts, "gifts_from_channels"), False),
        )
        return chat

    def api_getChatMember(self, params: Json) -> Json:
        raw = params["chat_id"]
        chat_id = int(self._chat(raw)["id"]) if str(raw).startswith("@") else int(raw)
        user_id = int(params["user_id"])
        channel = self.chats.get(chat_id, {}).get("type") == "channel"
        bot_admin = self.members.get((chat_id, BOT_USER["id"])) == "administrator"
        if channel and not bot_admin:  # a channel's members are hidden from non-admins
            raise ApiError(Fault(400, "Bad Request: member list is inaccessible"))
        status = self.members.get((chat_id, user_id), "member")
        user = BOT_USER if user_id == BOT_USER["id"] else {"id": user_id, "is_bot": False}
        member: Json = {"status": status, "user": {"first_name": "U", **user}}
        if status == "administrator":
            member.update(dict.fromkeys(ADMIN_RIGHTS, True))
            if channel:
                member["can_post_messages"] = (chat_id, user_id) not in self.cannot_post
                member["can_edit_messages"] = True
        if status == "creator":
            member["is_anonymous"] = False
        return member

    def api_setWebhook(self, params: Json) -> bool:
        with self.cond:
            self.webhook = params
        return True

    def api_deleteWebhook(self, params: Json) -> bool:
        with self.cond:
            self.webhook = {}
        return True

    def api_getWebhookInfo(self, params: Json) -> Json:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def api_close(self, params: Json) -> bool:
        return True

    api_logOut = api_close


@pytest.fixture
def bot_api() -> Iterator[FakeBotAPI]:
    api = FakeBotAPI()
    api.start()
    try:
        yield api
    finally:
        api.stop()

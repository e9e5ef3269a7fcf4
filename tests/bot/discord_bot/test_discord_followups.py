"""Questions from Discord as members write them: markup turned into plain words, and follow-ups
(a reply to an answer, a mention in a thread) searched with the question they follow."""

from __future__ import annotations

import pytest

from bot.discord_bot.markup import plain_question
from tests.discord_harness import running_bot
from tests.fake_discord import payloads as p

pytestmark = pytest.mark.model

FLOUR = "How much flour did Russia deliver to North Korea?"
MARKED_UP = (
    f"<@{p.BOT_USER_ID}> <@{p.MEMBER['id']}> <@&{p.MODERATOR_ROLE_ID}> see <#{p.CHANNEL_ID}>: **how much flour** "
    "did Russia deliver <:flag_ru:112233445566778899> <t:1500000000:R>?"
)


def test_markup_becomes_plain_words():
    assert plain_question(MARKED_UP, lambda channel_id: "general") == (
        "see general: how much flour did Russia deliver 14 July 2017?"
    )
    assert plain_question("<a:spin:1> @everyone </ask:9> ~~old~~ ||spoiler|| `code`") == "/ask old spoiler code"
    assert plain_question("<t:99999999999999:R> hello") == "hello"


def embed_of(message: dict) -> dict:
    return message["embeds"][0]


async def test_a_question_full_of_markup_is_answered_like_the_plain_one(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        asked = await fake.say(MARKED_UP, mentions=[p.MEMBER], mention_roles=[p.MODERATOR_ROLE_ID])
        reply = await fake.reply_to(asked)
        token = await fake.slash("ask", question=MARKED_UP.split(" ", 1)[1])
        slash = await fake.followup(token)
    for answer in (reply, slash):
        assert "2,400 tons of flour" in embed_of(answer)["description"], embed_of(answer)
        assert embed_of(answer)["title"] == "see general: how much flour did Russia deliver 14 July 2017?"


async def test_a_reply_to_an_answer_is_a_follow_up(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        asked = await fake.say(f"<@{p.BOT_USER_ID}> {FLOUR}")
        answer = await fake.reply_to(asked)
        follow_up = await fake.say("And who blocked a statement at the UN?", reply_to=answer)
        followed = await fake.reply_to(follow_up)
        more_at = len(fake.requests)
        token = await fake.click(followed, next(i for i in fake.buttons(followed) if i.startswith("nb:more:")))
        await fake.wait_for(lambda r: r.method == "PATCH" and token in r.path, after=more_at)
        unrelated = await fake.say(f"<@{p.BOT_USER_ID}> And who blocked a statement at the UN?")
        alone = await fake.reply_to(unrelated)
        elsewhere = {**answer, "channel_id": str(p.CHANNEL_ID + 1)}  # a reference to another channel: a forward
        forwarded = await fake.say(f"<@{p.BOT_USER_ID}> And who blocked a statement at the UN?", reply_to=elsewhere)
        not_followed = await fake.reply_to(forwarded)
    description = embed_of(followed)["description"]
    assert description.startswith(f"↪ Following up on: *{FLOUR}*\n\n"), description
    assert embed_of(followed)["title"] == "And who blocked a statement at the UN?"
    assert "Security Council" in description
    assert embed_of(fake.messages[followed["id"]])["description"].startswith("↪ Following up on:")  # More keeps it
    assert "Following up" not in embed_of(alone)["description"]  # a mention that replies to nothing stands alone
    assert "Following up" not in embed_of(not_followed)["description"]  # nor one that points to another channel


async def test_a_mention_in_a_thread_follows_the_answer_the_thread_was_opened_on(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        asked = await fake.say(f"<@{p.BOT_USER_ID}> {FLOUR}")
        answer = await fake.reply_to(asked)
        thread_id = int(answer["id"])  # a thread opened on a message has that message's id
        await fake.open_thread(thread_id)
        first = await fake.say(f"<@{p.BOT_USER_ID}> when was the declaration signed?", channel_id=thread_id)
        first_answer = await fake.reply_to(first)
        second = await fake.say(f"<@{p.BOT_USER_ID}> what did Rodong Sinmun call it?", channel_id=thread_id)
        second_answer = await fake.reply_to(second)
    assert embed_of(first_answer)["description"].startswith(f"↪ Following up on: *{FLOUR}*")
    assert "July 2000" in embed_of(first_answer)["description"]
    # the thread's last answer is what the next mention follows, with the questions before it
    assert embed_of(second_answer)["description"].startswith(
        f"↪ Following up on: *{FLOUR} when was the declaration signed?*"
    )

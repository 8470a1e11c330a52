"""Password policy for every password a person chooses (new users, resets, self-service changes):
8–128 characters, not containing the user name, and a zxcvbn strength score of at least
MIN_SCORE (0–4: 3 = "safely unguessable", ~10^8 guesses and more). Reasons come in the
user's language, from zxcvbn's own feedback."""
from __future__ import annotations

import threading

from flask_babel import gettext as _
from zxcvbn import zxcvbn

from app.core.i18n import N_

PASSWORD_MIN, PASSWORD_MAX = 8, 128
MIN_SCORE = 3
# The demo users' password, printed in the README and by `make run`: known to everyone, so no person
# may choose it (the demo seeder sets it directly).
DEMO_PASSWORD = "Demo@2026"
# Words anyone guessing a password here tries first: the product, the city, the field.
SITE_WORDS = ("chengxin", "诚信", "zhengwu", "xinyong", "shanghai", "hu", "demo", "gov", "admin")
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; characters past these can only add strength
# zxcvbn keeps the user inputs of a call in a module-level dictionary: one call at a time.
_zxcvbn_lock = threading.Lock()

# zxcvbn's feedback (English) → our message. Feedback it may add later falls back to the generic one.
FEEDBACK = {
    "Straight rows of keys are easy to guess.": N_("键盘上连成一排的字符很容易被猜到"),
    "Short keyboard patterns are easy to guess.": N_("短的键盘图案很容易被猜到"),
    'Repeats like "aaa" are easy to guess.': N_("“aaa”这样的重复很容易被猜到"),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        N_("“abcabcabc”这样的重复只比“abc”难猜一点"),
    'Sequences like "abc" or "6543" are easy to guess.': N_("“abc”“6543”这样的顺序很容易被猜到"),
    "Recent years are easy to guess.": N_("近年的年份很容易被猜到"),
    "Dates are often easy to guess.": N_("日期往往很容易被猜到"),
    "This is a top-10 common password.": N_("这是最常用的 10 个密码之一"),
    "This is a top-100 common password.": N_("这是最常用的 100 个密码之一"),
    "This is a very common password.": N_("这是非常常见的密码"),
    "This is similar to a commonly used password.": N_("与常用密码过于相似"),
    "A word by itself is easy to guess.": N_("单独一个单词很容易被猜到"),
    "Names and surnames by themselves are easy to guess.": N_("单独的姓名很容易被猜到"),
    "Common names and surnames are easy to guess.": N_("常见的姓名很容易被猜到"),
    "Use a few words, avoid common phrases.": N_("可用几个词组成，避免常见短语"),
    "Add another word or two. Uncommon words are better.": N_("再加一两个词，不常见的词更好"),
    "Use a longer keyboard pattern with more turns.": N_("键盘图案要更长、转折更多"),
    "Avoid repeated words and characters.": N_("避免重复的词和字符"),
    "Avoid sequences.": N_("避免连续的顺序"),
    "Avoid recent years.": N_("避免使用近年的年份"),
    "Avoid years that are associated with you.": N_("避免使用与您有关的年份"),
    "Avoid dates and years that are associated with you.": N_("避免使用与您有关的日期和年份"),
    "Capitalization doesn't help very much.": N_("首字母大写帮助不大"),
    "All-uppercase is almost as easy to guess as all-lowercase.": N_("全部大写和全部小写几乎一样容易被猜到"),
    "Reversed words aren't much harder to guess.": N_("倒着写的单词并不更难猜"),
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        N_("用“@”代替“a”这类可预料的替换帮助不大"),
}


def _strength_feedback(password: str, username: str, personal: tuple[str, ...]) -> list[str] | None:
    """zxcvbn's verdict: None when strong enough, else the reasons (the user's language)."""
    parts = username.replace("_", ".").replace("-", ".").split(".")
    hints = [username, "".join(parts), *parts, *personal, *SITE_WORDS]
    with _zxcvbn_lock:
        result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[h for h in hints if h])
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    reasons = [_(FEEDBACK[text]) for text in (feedback["warning"], *feedback["suggestions"]) if text in FEEDBACK]
    return [_("密码太容易被猜到"), *reasons] if reasons else [_("密码太容易被猜到，请使用更长、更不常见的词组合")]


def personal_words(full_name: str | None, department) -> tuple[str, ...]:
    """The words about a person an attacker tries first: their full name and their unit's code and
    name (`department`: an org Department or None)."""
    unit = (department.code, department.name) if department is not None else ()
    return tuple(w for w in (full_name, *unit) if w)


def password_problems(password: str, username: str, personal: tuple[str, ...] = ()) -> list[str]:
    """Why `password` may not be chosen by the user `username`: [] when it is acceptable, else
    messages for the form field, in the user's language. `personal`: more words an attacker would
    try for this user (full name, unit code and name); they and the site's words count as guessable."""
    if len(password) < PASSWORD_MIN:
        return [_("密码至少 %(n)s 位", n=PASSWORD_MIN)]
    if len(password) > PASSWORD_MAX:
        return [_("密码不能超过 %(n)s 位", n=PASSWORD_MAX)]
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return [_("密码含有无法识别的字符")]
    if username and username.lower() in password.lower():
        return [_("密码不能包含用户名")]
    if password == DEMO_PASSWORD:
        return [_("这是公开的演示密码，不能使用")]
    return _strength_feedback(password, username, tuple(p for p in personal if p)) or []

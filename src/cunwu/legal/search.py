"""Chinese full-text search over the knowledge base.

jieba cuts the text into words (with a lexicon of legal and rural terms added), and the words are stored
space-separated in `Article.terms`. The database's own full-text index does the rest: an FTS5 table kept by
triggers on SQLite (ranked by bm25), on PostgreSQL a stored generated column `terms_vector` =
`to_tsvector('simple', terms)` with a GIN index (ranked by ts_rank). A question is cut the same way, stripped of words that carry no meaning, and widened with the legal
words villagers' own words stand for (工钱 → 工资、欠薪), so that a differently worded question still finds the
answer.
"""

from __future__ import annotations

import logging
import re
import threading

from django.db import connection

LEXICON = [
    "土地承包", "承包地", "承包经营权", "土地流转", "宅基地", "房基地", "欠薪", "拖欠工资", "工伤", "工伤认定", "赡养",
    "赡养费", "抚养费", "抚养权", "离婚", "彩礼", "继承", "遗嘱", "遗产", "相邻关系", "农资", "假种子", "假化肥",
    "低保", "养老保险", "医保", "征地", "征收", "补偿款", "交通事故", "人身损害", "民间借贷", "借条", "欠条",
    "劳动合同", "法律援助", "人民调解", "司法确认", "家庭暴力", "诉讼时效", "农民工", "包工头",
]

SYNONYMS = {  # villagers' words -> the words the law and the answers use
    "地": ["土地", "承包地"], "田": ["土地", "承包地"], "租": ["流转", "出租"], "转包": ["流转"],
    "工钱": ["工资", "欠薪"], "工资": ["欠薪", "拖欠工资"], "不给钱": ["拖欠工资", "欠薪"], "老板": ["用人单位", "包工头"],
    "打工": ["农民工", "劳动合同"], "分开": ["离婚"], "过不下去": ["离婚"], "老人": ["赡养"], "不管": ["赡养", "抚养"],
    "孩子": ["子女", "抚养费"], "房子": ["宅基地", "房屋"], "盖房": ["宅基地"], "打伤": ["人身损害", "赔偿"],
    "被打": ["人身损害", "赔偿"], "借钱": ["民间借贷", "借条"], "欠钱": ["民间借贷", "欠条"], "不还": ["民间借贷"],
    "种子": ["农资", "假种子"], "化肥": ["农资", "假化肥"], "农药": ["农资"], "撞": ["交通事故"], "遗产": ["继承"],
    "受伤": ["工伤", "人身损害"], "摔伤": ["工伤", "人身损害"], "请律师": ["法律援助"], "没钱打官司": ["法律援助"],
    "占地": ["征地", "相邻关系"], "邻居": ["相邻关系"], "订婚": ["彩礼", "婚约"], "退婚": ["彩礼", "婚约"],
    "礼金": ["彩礼"], "结婚": ["婚姻", "结婚登记"], "走的路": ["通行", "相邻关系"], "出路": ["通行", "相邻关系"],
    "去世": ["继承", "遗产"], "过世": ["继承", "遗产"], "没了": ["继承", "遗产"], "老宅": ["房屋", "继承"],
    "闺女": ["女儿", "子女"], "嫁出去": ["出嫁", "女儿"], "分家": ["继承", "遗产"], "爹": ["父母"], "娘": ["父母"],
}

STOPWORDS = set(
    "的 了 吗 呢 啊 吧 呀 我 我家 我们 你 你们 他 她 他们 它 怎么 怎么办 怎样 什么 能 能不能 不能 可以 可不可以 是 不是 有 没有 "
    "在 和 与 及 给 要 想 会 就 都 也 还 又 请问 如何 应该 这个 那个 一个 这 那 村里 现在 已经 因为 所以 如果 但是 然后 "
    "该 让 被 把 对 到 说 去 来 多少 几 哪 哪里 谁 问 问题 一下 个 些 年 月 日".split())
WORD = re.compile(r"\w+")

_ready = threading.Lock()
_loaded = False


def _jieba():
    global _loaded
    import jieba

    if not _loaded:
        with _ready:
            if not _loaded:
                jieba.setLogLevel(logging.WARNING)
                for word in LEXICON + list(SYNONYMS):
                    jieba.add_word(word, freq=200000)
                jieba.initialize()
                _loaded = True
    return jieba


def terms_of(text: str) -> str:
    """What the index stores for a text: every word jieba finds (the search cut, so compounds also give their
    parts), lower-cased, space-separated."""
    words = (w.strip().lower() for w in _jieba().cut_for_search(text or ""))
    return " ".join(w for w in words if w and WORD.fullmatch(w))


def query_terms(question: str, limit: int = 24) -> list[str]:
    """The words a question is searched by: its meaningful words and the legal words they stand for."""
    found: list[str] = []
    for lay, legal in SYNONYMS.items():
        if lay in question:
            found += [lay, *legal]
    for word in terms_of(question).split():
        if word in STOPWORDS or (len(word) == 1 and word not in SYNONYMS):
            continue
        found.append(word)
        found += SYNONYMS.get(word, [])
    return list(dict.fromkeys(w for w in found if w not in STOPWORDS))[:limit]


def search(question: str, limit: int = 10, region_code: str = "") -> list[tuple[int, float]]:
    """(article id, score) of the published articles that best match, best first: for a village, national
    articles and those of its province, city or county; without one, all of them."""
    words = query_terms(question)
    if not words:
        return []
    scopes = ["", region_code[:2], region_code[:4], region_code[:6]] if region_code else []
    holes = ", ".join(["%s"] * len(scopes))
    scoped = f"AND a.region_code IN ({holes})" if scopes else ""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            query = " | ".join(words)
            cur.execute(
                "SELECT a.id, ts_rank(a.terms_vector, q) AS score "
                "FROM legal_article a, to_tsquery('simple', %s) q "
                f"WHERE a.terms_vector @@ q AND NOT a.withdrawn {scoped} "
                "ORDER BY score DESC, a.id DESC LIMIT %s", [query, *scopes, limit])
            return [(row[0], float(row[1])) for row in cur.fetchall()]
        match = " OR ".join(f'"{w}"' for w in words)  # words are \w+ only: nothing to escape
        cur.execute(
            "SELECT a.id, -bm25(legal_article_fts) AS score FROM legal_article_fts "
            "JOIN legal_article a ON a.id = legal_article_fts.rowid "
            f"WHERE legal_article_fts MATCH %s AND NOT a.withdrawn {scoped} "
            "ORDER BY score DESC, a.id DESC LIMIT %s", [match, *scopes, limit])
        return [(row[0], float(row[1])) for row in cur.fetchall()]


SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE legal_article_fts USING fts5(terms, content='legal_article', content_rowid='id')",
    "CREATE TRIGGER legal_article_fts_insert AFTER INSERT ON legal_article BEGIN "
    "INSERT INTO legal_article_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER legal_article_fts_delete AFTER DELETE ON legal_article BEGIN "
    "INSERT INTO legal_article_fts(legal_article_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER legal_article_fts_update AFTER UPDATE OF terms ON legal_article BEGIN "
    "INSERT INTO legal_article_fts(legal_article_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO legal_article_fts(rowid, terms) VALUES (new.id, new.terms); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS legal_article_fts_update", "DROP TRIGGER IF EXISTS legal_article_fts_delete",
               "DROP TRIGGER IF EXISTS legal_article_fts_insert", "DROP TABLE IF EXISTS legal_article_fts"]
POSTGRES_INDEX = ["CREATE INDEX legal_article_terms ON legal_article USING gin (to_tsvector('simple', terms))"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS legal_article_terms"]
# Ranking reads the vector of every matching row: stored, it is not computed again at each search.
POSTGRES_STORED = [
    "DROP INDEX IF EXISTS legal_article_terms",
    "ALTER TABLE legal_article ADD COLUMN terms_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED",
    "CREATE INDEX legal_article_terms_vector ON legal_article USING gin (terms_vector)",
]
POSTGRES_UNSTORED = ["DROP INDEX IF EXISTS legal_article_terms_vector",
                     "ALTER TABLE legal_article DROP COLUMN IF EXISTS terms_vector", *POSTGRES_INDEX]


def create_index(apps, schema_editor) -> None:
    statements = {"sqlite": SQLITE_INDEX, "postgresql": POSTGRES_INDEX}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def store_vector(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_STORED:
            schema_editor.execute(sql)


def unstore_vector(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_UNSTORED:
            schema_editor.execute(sql)


def drop_index(apps, schema_editor) -> None:
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)

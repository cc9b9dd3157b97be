"""`make bench` part 5: knowledge-base search over 100,000 answered questions (`CUNWU_BENCH_ARTICLES`), beside a
plain substring scan (LIKE) of the same rows measured in the same run.

Expects part 1 to have run first (the regions are in the database).
"""

import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from foundation import pct, timed  # noqa: E402

from cunwu.legal import search, services  # noqa: E402
from cunwu.legal.models import Article  # noqa: E402

COUNT = int(os.environ.get("CUNWU_BENCH_ARTICLES", 100_000))
COUNTY = "220322"
SUBJECTS = ["承包地", "宅基地", "工资", "工伤", "赡养费", "抚养费", "彩礼", "遗产", "借款", "交通事故", "假种子", "化肥",
            "征地补偿款", "养老保险", "低保", "劳动合同", "相邻通行", "房屋买卖", "医疗费", "土地流转"]
WHO = ["邻居", "老板", "儿子", "村里", "包工头", "亲戚", "经销商", "对方", "前夫", "承包户"]
WHAT = ["不给", "拖欠", "不还", "占用", "不认账", "不履行", "私自处理", "拒绝支付", "要求退还", "不让使用"]
ANSWERS = ["可以申请人民调解，调解不成的可以向人民法院起诉。", "可以向县人力资源和社会保障局投诉或申请劳动仲裁。",
           "符合条件的可以申请法律援助。", "请保存好证据，必要时申请司法确认。", "可以向乡镇人民政府申请处理。"]
QUERIES = ["老板一直不给工钱怎么办", "邻居占了我家的宅基地", "儿子不给赡养费", "借钱不还怎么起诉", "买到假种子找谁赔",
           "订婚的彩礼能要回来吗", "交通事故对方不赔医疗费", "征地补偿款被村里扣了", "离婚后孩子抚养费", "工地摔伤算不算工伤"]


def load(n: int) -> float:
    random.seed(6)
    began = time.perf_counter()
    batch = []
    with transaction.atomic():
        for i in range(n):
            subject, who, what = random.choice(SUBJECTS), random.choice(WHO), random.choice(WHAT)
            title = f"{who}{what}{subject}怎么办（{i}）"
            question = f"{who}{what}{subject}，已经{random.randint(1, 36)}个月了，村里调解过没有结果。"
            answer = random.choice(ANSWERS)
            batch.append(Article(title=title, question=question, answer=answer, region_code=COUNTY,
                                 terms=search.terms_of(f"{title} {question} {answer}")))
            if len(batch) == 2000:
                Article.objects.bulk_create(batch)
                batch = []
        Article.objects.bulk_create(batch)
    return time.perf_counter() - began


def main():
    vendor = connection.vendor
    Article.objects.all().delete()
    took = load(COUNT)
    print(f"[{vendor}] loaded {COUNT} answered questions (jieba cut and index kept by the database) in {took:.1f} s")
    if vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("INSERT INTO legal_article_fts(legal_article_fts) VALUES ('optimize')")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE legal_article")
    found = [len(services.similar(q, "220322100201")) for q in QUERIES]
    hits = timed(lambda: services.similar(random.choice(QUERIES), "220322100201"), 300)

    def like():
        words = search.query_terms(random.choice(QUERIES))[:3]
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM legal_article WHERE " + " OR ".join(["question LIKE %s"] * len(words))
                        , [f"%{w}%" for w in words])
            cur.fetchall()

    plain = timed(like, 60)
    print(f"[{vendor}] knowledge-base search (cut, widen, full-text index, rank, load 5): p50 {pct(hits, 50):.1f} ms, "
          f"p99 {pct(hits, 99):.1f} ms, results per query {min(found)}-{max(found)}; plain LIKE scan for the same words (every match, no ranking) "
          f"p50 {pct(plain, 50):.1f} ms, p99 {pct(plain, 99):.1f} ms; ratio {pct(hits, 50) / pct(plain, 50):.2f}")


if __name__ == "__main__":
    main()

"""Small purpose-built bots (Rasa 3 YAML) for the NLU tests."""

from __future__ import annotations

from pathlib import Path

CONFIG = """\
recipe: default.v1
language: zh
assistant_id: test_assistant
pipeline:
  - name: JiebaTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
  - name: EntitySynonymMapper
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: RulePolicy
"""

NLU = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - 你好
      - 您好
      - 你好啊
      - 在吗
      - 哈喽
      - 早上好
      - hi
      - hello
      - hello there
      - hey
      - good morning
      - hi, anyone there?
  - intent: goodbye
    examples: |
      - 再见
      - 拜拜
      - 没事了再见
      - 好的再见
      - 下次再聊
      - 先这样吧拜拜
      - bye
      - goodbye
      - see you
      - bye, that's all
      - talk to you later
      - that's all, goodbye
  - intent: report_fault
    examples: |
      - 我的[空调]{"entity": "product_category", "value": "air_conditioner"}不制冷了
      - [冰箱]{"entity": "product_category", "value": "refrigerator"}不制冷
      - [洗衣机]{"entity": "product_category", "value": "washing_machine"}不排水
      - [电视]{"entity": "product_category", "value": "tv"}黑屏了
      - 我家[格力]{"entity": "brand", "value": "gree"}空调坏了
      - [海尔]{"entity": "brand", "value": "haier"}冰箱漏水
      - 热水器不出热水
      - 机器开不了机
      - 屏幕一直闪
      - 空调有异响
      - my [fridge]{"entity": "product_category", "value": "refrigerator"} stopped cooling
      - the [tv]{"entity": "product_category", "value": "tv"} screen is black
      - my [washing machine]{"entity": "product_category", "value": "washing_machine"} won't drain
      - my [Haier]{"entity": "brand", "value": "haier"} fridge is leaking
      - the air conditioner makes a loud noise
      - my laptop won't turn on
      - the heater has no hot water
      - the phone keeps restarting
  - intent: check_warranty
    examples: |
      - 还在保修期吗
      - 保修期多久
      - 我的空调还保修吗
      - 这个在保修范围内吗
      - 过保了吗
      - 保修几年
      - 免费修吗
      - is it still under warranty
      - how long is the warranty
      - is my fridge covered by warranty
      - does the warranty cover this
      - has the warranty expired
      - is the repair free under warranty
  - intent: book_visit
    examples: |
      - 派个师傅上门
      - 能上门维修吗
      - 预约上门服务
      - 我要预约维修师傅
      - 安排师傅来修
      - 请派人来修一下
      - can someone come fix it
      - book a technician visit
      - I need a repair appointment
      - please send a technician
      - schedule an onsite repair
      - can you send someone to my home
  - intent: inform
    examples: |
      - 型号是[KFR-35GW]{"entity": "product_model"}
      - 我的型号[BCD-470]{"entity": "product_model"}
      - 电话[13800138000](phone)
      - 我的手机号是[13912345678](phone)
      - 是[2023年5月]{"entity": "purchase_date"}买的
      - [去年]{"entity": "purchase_date"}买的
      - 品牌是[美的]{"entity": "brand", "value": "midea"}
      - the model is [KFR-72LW]{"entity": "product_model"}
      - my number is [13700001111](phone)
      - call me on [13612345678](phone)
      - I bought it [last March]{"entity": "purchase_date"}
      - it's a [Midea]{"entity": "brand", "value": "midea"}
      - model number [WD-100]{"entity": "product_model"}
      - the brand is [Gree]{"entity": "brand", "value": "gree"}
  - intent: out_of_scope
    examples: |
      - 今天天气怎么样
      - 给我讲个笑话
      - 推荐一部电影
      - 帮我订机票
      - 你喜欢吃什么
      - 股票会涨吗
      - what's the weather like today
      - tell me a joke
      - recommend a movie
      - book me a flight
      - what's your favourite food
      - will the stock market go up
  - synonym: air_conditioner
    examples: |
      - 空调
      - 冷气机
      - air conditioner
      - aircon
  - synonym: tv
    examples: |
      - 电视
      - 电视机
      - television
  - synonym: refrigerator
    examples: |
      - 冰箱
      - fridge
  - synonym: gree
    examples: |
      - 格力
  - synonym: haier
    examples: |
      - 海尔
  - synonym: midea
    examples: |
      - 美的
  - regex: phone
    examples: |
      - 1[3-9]\\d{9}
  - lookup: brand
    examples: |
      - 格力
      - 海尔
      - 美的
      - Gree
      - Haier
      - Midea
      - TCL
  - lookup: product_category
    examples: |
      - 空调
      - 冰箱
      - 洗衣机
      - 电视
      - fridge
      - tv
      - washing machine
rules:
  - rule: greet back
    steps:
      - intent: greet
      - action: utter_greet
"""


def write_bot(root: Path, nlu: str = NLU, config: str = CONFIG) -> tuple[Path, Path]:
    """Write ``config.yml`` and ``data/nlu.yml`` under ``root``; return their paths."""
    data_dir = root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    config_path = root / "config.yml"
    config_path.write_text(config, encoding="utf-8")
    nlu_path = data_dir / "nlu.yml"
    nlu_path.write_text(nlu, encoding="utf-8")
    return config_path, nlu_path

"""Demo content for the fictional 示例区融媒体中心. Written for this project; not from the seeds."""

from __future__ import annotations

from typing import Any

CENTER_NAME = "示例区融媒体中心"

COLUMNS: list[tuple[str, str]] = [
    ("tuijian", "推荐"),
    ("yaowen", "要闻"),
    ("minsheng", "民生"),
    ("jingji", "经济"),
    ("chengshi", "城事"),
    ("renwen", "人文"),
    ("tuji", "图集"),
    ("zhuanti", "专题"),
]

STORIES: list[dict[str, Any]] = [
    {
        "column": "yaowen",
        "title": "示例区召开全区媒体融合工作推进会",
        "summary": "会议部署下一阶段\u201c一次采集、多种生成、多元传播\u201d的重点任务。",
        "body_text": "本报讯 示例区日前召开全区媒体融合工作推进会,总结上半年工作,部署下一阶段任务。\n\n会议要求,各街镇和部门要用好区融媒体中心的统一采编平台,做到线索统一汇集、稿件统一审核、渠道统一分发。",
        "tags": ["媒体融合", "工作会议"],
        "byline": "示例区融媒体中心记者 林晓",
    },
    {
        "column": "minsheng",
        "title": "东湖街道老旧小区加装电梯进入施工阶段",
        "summary": "首批六台电梯预计年内投入使用。",
        "body_text": "东湖街道首批六个老旧小区加装电梯项目近日进入施工阶段。\n\n街道工作人员介绍,项目前期征求了全体住户意见,施工期间将设置临时通道,方便老年居民出行。",
        "tags": ["加装电梯", "东湖街道"],
        "byline": "记者 周敏",
    },
]

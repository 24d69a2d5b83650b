"""Baidu Map's geocoding API (``/geocoding/v3/``) as the sandbox answers it, so that finding a site
from its address works with no account and no network: an address in Beijing gets a point inside the
city (the same address, the same point, in BD-09 as Baidu answers), anything else "无相关结果"."""
from __future__ import annotations

import hashlib

from flask import Blueprint, jsonify, request

from wechat.sandbox.state import SandboxState

BEIJING_WORDS = ("北京", "东城", "西城", "朝阳", "海淀", "丰台", "石景山", "门头沟", "房山", "通州", "顺义", "昌平",
                 "大兴", "怀柔", "平谷", "密云", "延庆")


def add_routes(bp: Blueprint, state: SandboxState) -> None:
    @bp.get("/baidu/geocoding/v3/")
    def baidu_geocoding():
        address = request.args.get("address", "")
        state.record("baidu/geocoding", {"address": address, "ak": request.args.get("ak", "")}, {})
        if not request.args.get("ak"):
            return jsonify({"status": 101, "message": "AK参数不存在"})
        if "不存在" in address or not any(word in address for word in BEIJING_WORDS):
            return jsonify({"status": 1, "msg": "Internal Service Error:无相关结果", "results": []})
        digest = hashlib.sha256(address.encode()).digest()
        lat = 39.85 + digest[0] / 255 * 0.15
        lng = 116.30 + digest[1] / 255 * 0.25
        return jsonify({"status": 0, "result": {"location": {"lng": round(lng, 6), "lat": round(lat, 6)},
                                                "precise": 1, "confidence": 80, "comprehension": 100,
                                                "level": "门址"}})

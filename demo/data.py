"""Demo organisation tree with real Beijing places; coordinates are GCJ-02 as Chinese maps give them.

Each entry: (username, name, kind, extra, children). ``extra`` may carry category, capacity, site
(lat, lng, radius, site name, address), contact, provisional.
"""
from __future__ import annotations

ORG_TREE = (
    "beijing", "北京团市委", "city", {"contact": ("李杨", "010-63087231")}, [
        ("dongcheng", "共青团北京市东城区委员会", "district", {"contact": ("陈思源", "010-64022101")}, [
            ("donghuamen", "东华门街道团工委", "street", {
                "category": "urban", "capacity": 5, "contact": ("王朝曦", "010-65131752"),
                "site": (39.91565, 116.40628, 500, "东华门街道办事处", "东城区东华门大街19号")}, [
                ("duofuxiang", "多福巷社区团组织", "community", {
                    "contact": ("任琳丽", "010-65257713"),
                    "site": (39.92113, 116.40735, 300, "多福巷社区居委会", "东城区多福巷23号")}, []),
                ("shaojiu", "韶九社区团组织", "community", {
                    "contact": ("法伟", "010-65127810"),
                    "site": (39.91412, 116.41062, 300, "韶九社区居委会", "东城区韶九胡同5号")}, []),
                ("zhiranju", "织染局社区团组织（筹）", "community", {
                    "provisional": True, "contact": ("倪京津", "010-84032295"),
                    "site": (39.93198, 116.40401, 250, "织染局社区居委会", "东城区织染局胡同18号")}, []),
            ]),
            ("hepingli", "和平里街道团工委", "street", {
                "category": "urban", "contact": ("范永胜", "010-84227316"),
                "site": (39.95631, 116.41842, 500, "和平里街道办事处", "东城区和平里中街12号")}, [
                ("hpl7", "和平里第七社区团组织", "community", {
                    "contact": ("郝钢", "010-84211605"),
                    "site": (39.96024, 116.41316, 300, "和平里七区社区服务站", "东城区和平里七区15号楼")}, []),
                ("hpl1", "和平里第一社区团组织", "community", {
                    "contact": ("刘金盈", "010-84286627"),
                    "site": (39.95390, 116.42231, 300, "和平里一区居委会", "东城区和平里一区3号楼")}, []),
            ]),
            ("wuzhong", "北京市第五中学团委", "school", {"contact": ("闫芳墨", "010-64044623")}, [
                ("wz_g1c1", "高一（1）班团支部", "branch", {}, []),
                ("wz_g2c3", "高二（3）班团支部", "branch", {}, []),
            ]),
            ("dfgc", "北京东方广场有限公司团委", "company", {"contact": ("张磊", "010-85186666")}, [
                ("dfgc_b1", "东方广场物业部团支部", "branch", {}, []),
            ]),
        ]),
        ("fangshan", "共青团北京市房山区委员会", "district", {"contact": ("王朝曦", "010-89350082")}, [
            ("gongchen", "拱辰街道团工委", "street", {
                "category": "suburban", "contact": ("任琳丽", "010-89360395"),
                "site": (39.73552, 116.14191, 500, "拱辰街道办事处", "房山区良乡拱辰大街35号")}, [
                ("xiluyuan", "西潞园社区团组织", "community", {
                    "contact": ("李杨", "010-69362217"),
                    "site": (39.74021, 116.13618, 300, "西潞园社区居委会", "房山区良乡西潞园小区8号楼")}, []),
            ]),
            ("changyang", "长阳镇团委", "town", {
                "category": "suburban", "contact": ("法伟", "010-80365566"),
                "site": (39.76388, 116.21353, 800, "长阳镇政府", "房山区长阳镇长阳路1号")}, [
                ("hulufa", "葫芦垡村团组织", "village", {
                    "contact": ("倪京津", "010-80361234"),
                    "site": (39.78102, 116.20547, 400, "葫芦垡村委会", "房山区长阳镇葫芦垡村")}, []),
                ("libafang", "篱笆房村团组织", "village", {
                    "contact": ("王涛", "010-80361789"),
                    "site": (39.76145, 116.22031, 400, "篱笆房村委会", "房山区长阳镇篱笆房村")}, []),
            ]),
        ]),
        ("bit_tw", "北京理工大学团委", "university", {"contact": ("赵明", "010-68912345")}, [
            ("bit_cs", "计算机学院团委", "department", {"contact": ("孙悦", "010-68913456")}, [
                ("bit_cs_b1", "计算机学院2023级本科1班团支部", "branch", {}, []),
                ("bit_cs_b2", "计算机学院2024级本科2班团支部", "branch", {}, []),
            ]),
            ("bit_me", "机电学院团委", "department", {"contact": ("周伟", "010-68914567")}, [
                ("bit_me_b1", "机电学院2023级本科1班团支部", "branch", {}, []),
                ("bit_me_b2", "机电学院2024级硕士团支部", "branch", {}, []),
            ]),
            ("bit_sme", "管理与经济学院团委", "department", {"contact": ("吴静", "010-68915678")}, [
                ("bit_sme_b1", "管理与经济学院2023级本科团支部", "branch", {}, []),
                ("bit_sme_b2", "管理与经济学院2024级本科团支部", "branch", {}, []),
            ]),
        ]),
    ],
)

# Residents' branches get one per community/village so that community members have a branch.
COMMUNITY_BRANCH_SUFFIX = "青年团支部"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = ("子涵 欣怡 梓轩 浩然 一诺 雨桐 思远 佳琪 宇航 若曦 明哲 诗涵 俊杰 语嫣 天佑 嘉怡 博文 梦瑶 "
         "志强 晓彤 泽宇 静怡 文博 雅琪 昊天 可馨 睿 婷 鹏 磊 悦 晨 阳 洋 丹 超 颖 健 娜 峰").split()
ETHNICITIES = ("汉族",) * 18 + ("满族", "回族", "蒙古族")

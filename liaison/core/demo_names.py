"""Realistic, deterministic personal data for the demo and the scale generator.

Surnames follow their frequency in the 2020 census (per cent of the population, rounded; the long
tail is folded into the smaller weights), given names are built from characters common in names of
people born between 1955 and 2000. Everything is drawn from a `random.Random` the caller seeds, so a
run with the same seed makes the same people."""

import random
from functools import cache

from liaison.deputies.pinyin import name_pinyin

# (surname, weight ≈ per mille of the population)
SURNAMES: list[tuple[str, float]] = [
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 24), ("赵", 23),
    ("吴", 20), ("周", 19), ("徐", 15), ("孙", 14), ("马", 13), ("朱", 12), ("胡", 11), ("郭", 11),
    ("何", 10), ("林", 9.5), ("高", 9.5), ("罗", 9), ("郑", 8), ("梁", 8), ("谢", 7), ("宋", 6.5),
    ("唐", 6.5), ("许", 6), ("韩", 5.5), ("邓", 5.5), ("冯", 5.5), ("曹", 5), ("彭", 5), ("曾", 5),
    ("肖", 5), ("田", 4.5), ("董", 4.5), ("潘", 4), ("袁", 4), ("蔡", 4), ("蒋", 4), ("余", 4),
    ("于", 4), ("杜", 4), ("叶", 4), ("程", 3.5), ("魏", 3.5), ("苏", 3.5), ("吕", 3.5), ("丁", 3.5),
    ("任", 3.5), ("卢", 3), ("姚", 3), ("沈", 3), ("钟", 3), ("姜", 3), ("崔", 3), ("谭", 3),
    ("陆", 3), ("范", 2.5), ("汪", 2.5), ("廖", 2.5), ("石", 2.5), ("金", 2.5), ("韦", 2.5), ("贾", 2.5),
    ("夏", 2.5), ("付", 2.5), ("方", 2.5), ("邹", 2), ("熊", 2), ("白", 2), ("孟", 2), ("秦", 2),
    ("邱", 2), ("侯", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2),
    ("龙", 1.5), ("黎", 1.5), ("史", 1.5), ("陶", 1.5), ("贺", 1.5), ("毛", 1.5), ("郝", 1.5), ("顾", 1.5),
    ("龚", 1.5), ("邵", 1.5), ("万", 1.5), ("覃", 1.5), ("武", 1.5), ("钱", 1.5), ("戴", 1.5), ("严", 1.5),
    ("莫", 1), ("孔", 1), ("向", 1), ("常", 1), ("汤", 1), ("康", 1), ("易", 1), ("乔", 1),
    ("赖", 1), ("文", 1), ("施", 1), ("洪", 1), ("辛", 0.6), ("柴", 0.6), ("单", 0.5), ("欧阳", 0.5),
    ("尉迟", 0.05), ("司马", 0.1), ("上官", 0.1), ("诸葛", 0.1),
]  # fmt: skip

MALE_CHARS = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信"
    "子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超"
    "浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠"
    "榕风航弘"
)
FEMALE_CHARS = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳"
    "嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑"
    "婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝"
    "丽阳思"
)

# Ethnic groups of a central-southern province (汉族 about nine in ten deputies).
ETHNICITIES: list[tuple[str, float]] = [
    ("汉族", 88), ("土家族", 4), ("苗族", 3), ("侗族", 1.5), ("瑶族", 1.5), ("回族", 0.8), ("壮族", 0.6),
    ("白族", 0.3), ("蒙古族", 0.2), ("满族", 0.1),
]  # fmt: skip

# Political affiliation as written on deputy lists.
PARTIES: list[tuple[str, float]] = [
    ("中共党员", 66), ("群众", 22), ("无党派人士", 2), ("民革党员", 1.2), ("民盟盟员", 1.6), ("民建会员", 1.4),
    ("民进会员", 1.2), ("农工党党员", 1.2), ("致公党党员", 0.8), ("九三学社社员", 1.2), ("台盟盟员", 0.2),
    ("共青团员", 1.2),
]  # fmt: skip

# (occupation, work-unit template, weight). Placeholders: {county} {township} {village} {n}.
OCCUPATIONS: list[tuple[str, str, float]] = [
    ("农民", "{village}村民", 14),
    ("村（社区）干部", "{village}党支部书记、村委会主任", 12),
    ("村（社区）干部", "{village}村委会委员", 4),
    ("乡镇干部", "{township}党委书记", 3),
    ("乡镇干部", "{township}人民政府镇长", 3),
    ("乡镇干部", "{township}人大主席", 2),
    ("机关干部", "{county}人民政府副县长", 1),
    ("机关干部", "{county}发展和改革局局长", 1),
    ("机关干部", "{county}农业农村局副局长", 1),
    ("教师", "{county}第{n}中学教师", 6),
    ("教师", "{township}中心小学校长", 3),
    ("医务人员", "{county}人民医院主任医师", 3),
    ("医务人员", "{township}卫生院院长", 2),
    ("企业管理人员", "{county}{company}有限公司总经理", 6),
    ("企业职工", "{county}{company}有限公司一线职工", 6),
    ("个体工商户", "{township}个体工商户", 4),
    ("农民专业合作社负责人", "{village}{coop}专业合作社理事长", 5),
    ("专业技术人员", "{county}农业技术推广中心农艺师", 2),
    ("律师", "{county}{law}律师事务所律师", 1.5),
    ("社区工作者", "{township}社区服务中心工作人员", 2),
    ("退役军人", "{village}退役军人服务站站长", 1),
    ("新兴领域从业人员", "{county}快递网点负责人", 1),
    ("新兴领域从业人员", "{county}电子商务产业园创业者", 1),
]

COMPANY_WORDS = list("宏达鑫源华泰新立恒丰盛兴永康隆昌瑞祥金鼎佳和天成")
COOP_WORDS = ["水稻种植", "茶叶", "柑橘", "生猪养殖", "蔬菜", "油茶", "中药材", "稻虾共作", "黄桃", "食用菌"]
LAW_WORDS = ["正信", "明理", "公道", "衡平", "至诚", "弘法"]


class Picker:
    """Fast repeated weighted choice with one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surnames = [s for s, _ in SURNAMES]
        self._surname_cum = _cumulative([w for _, w in SURNAMES])
        self._eth = [e for e, _ in ETHNICITIES]
        self._eth_cum = _cumulative([w for _, w in ETHNICITIES])
        self._party = [p for p, _ in PARTIES]
        self._party_cum = _cumulative([w for _, w in PARTIES])
        self._occ = [(o, t) for o, t, _ in OCCUPATIONS]
        self._occ_cum = _cumulative([w for _, _, w in OCCUPATIONS])

    def _pick(self, values, cum):
        return self.rng.choices(values, cum_weights=cum, k=1)[0]

    def gender(self) -> str:
        # Women hold about 30 % of seats in local congresses.
        return "f" if self.rng.random() < 0.3 else "m"

    def name(self, gender: str) -> str:
        surname = self._pick(self._surnames, self._surname_cum)
        chars = FEMALE_CHARS if gender == "f" else MALE_CHARS
        if self.rng.random() < 0.25:  # one-character given names are common among older people
            return surname + self.rng.choice(chars)
        return surname + self.rng.choice(chars) + self.rng.choice(chars)

    def ethnicity(self) -> str:
        return self._pick(self._eth, self._eth_cum)

    def party(self) -> str:
        return self._pick(self._party, self._party_cum)

    def birth_year(self) -> int:
        return max(1955, min(2002, int(self.rng.gauss(1974, 9))))

    def occupation(self, *, county: str, township: str, village: str) -> tuple[str, str]:
        occupation, template = self._pick(self._occ, self._occ_cum)
        work_unit = template.format(
            county=county,
            township=township,
            village=village,
            n=self.rng.choice("一二三四五"),
            company=self.rng.choice(COMPANY_WORDS) + self.rng.choice(COMPANY_WORDS),
            coop=self.rng.choice(COOP_WORDS),
            law=self.rng.choice(LAW_WORDS),
        )
        return occupation, work_unit

    def mobile(self) -> str:
        prefix = self.rng.choice(["135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "187", "188"])
        return prefix + f"{self.rng.randrange(10**8):08d}"


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


@cache
def pinyin_of(name: str) -> tuple[str, str]:
    return name_pinyin(name)


# Place names for the demo region and the generated ones.
TOWNSHIP_PREFIXES = list("东西南北新金石龙凤白青红桃柳梅松竹兰荷云月星花泉溪河湖江山岭坪塘桥湾洲")
TOWNSHIP_SUFFIXES = ["镇", "镇", "镇", "乡", "街道"]
VILLAGE_WORDS = list("和平安康福寿长乐永兴丰收红光胜利团结先锋建新幸福光明民主友谊青山绿水富民兴隆")
VILLAGE_SUFFIXES = ["村", "村", "村", "社区"]


def place_name(rng: random.Random, suffix: str, used: set[str]) -> str:
    """A two-character place name plus suffix, unique within `used`."""
    words = TOWNSHIP_PREFIXES + VILLAGE_WORDS
    for _ in range(200):
        name = rng.choice(words) + rng.choice(words) + suffix
        if name not in used and name[0] != name[1]:
            used.add(name)
            return name
    n = len(used) + 1
    name = f"第{n}{suffix}"
    used.add(name)
    return name

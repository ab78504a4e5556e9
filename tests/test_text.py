import pytest

from bot.faq.text import skeleton, skeletons


@pytest.mark.parametrize(
    ("variants"),
    [
        [
            "Сайлау учаскесі қайда",
            "сайлау учаскеси кайда",
            "saylau uchaskesi qayda",
            "sailau uchaskesi kaida",
        ],
        ["Мәжіліс", "Мажилис", "Mazhilis", "Majilis", "Mäjilis"],
        ["избирательный участок", "izbiratelnyi uchastok", "izbiratelniy uchastok"],
        ["Бюллетень", "byulleten", "biulleten"],
        ["ЦИК", "TsIK", "cik"],
        ["қ ө ү ұ і ә ғ ң һ", "к о у у и а г н х"],
    ],
)
def test_spellings_of_one_text_share_a_skeleton(variants):
    expected = skeletons(variants[0])
    for variant in variants[1:]:
        assert skeletons(variant) == expected, variant


def test_different_words_keep_different_skeletons():
    assert skeleton("участок") != skeleton("участие")
    assert skeleton("когда") != skeleton("где")


def test_punctuation_and_case_are_dropped():
    assert skeletons("«Против всех»?!  ПРОТИВ-всех") == ["protiv", "vseh", "protiv", "vseh"]

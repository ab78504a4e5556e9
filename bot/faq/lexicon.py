"""Small closed word lists: function words, greetings and thanks, in kk, ru and en.

They are written here as people write them and compared by skeleton (see text.py), so
"рахмет", "рақмет" and "rahmet" are the same word. Content words are not listed here: the
matcher learns them from the FAQ itself.
"""

from __future__ import annotations

from .text import skeleton

_STOPWORDS = {
    "kk": """
        мен сен сіз ол біз сіздер олар менің сенің сіздің оның біздің маған саған сізге оған
        бізге мені сені сізді оны бізді және мен да де та те ма ме ба бе па пе ғой ғана
        бұл осы сол мына анау не кім қай қайсы қандай қалай қашан қайда неше қанша неге
        неліктен нешінші үшін туралы бойынша арқылы дейін кейін бар жоқ болады бола болса
        болып керек ме еді екен деген дегеніміз деп еш әлде немесе бірақ егер онда мұнда
        ба әр барлық өз өзі өзім маған айтыңызшы айтып беріңізші білгім келеді білейін
        сұрақ сұрағым бар жөнінде жайлы кімге кімді кімнің неден неге нені ненің қайдан
        қашаннан бізде сізде менде оларға оларды олардың осында сонда сондай мұндай осындай
        ал енді тағы да әлі қазір бүгін ертең кеше болған болатын болады ма бола ма керек пе
        мүмкін мүмкін бе рұқсат па жатыр жатқан еді ғой шығар екен ба мен менде
        ету етуге етіп еткен етемін етеді етсем етсе етті етпей келу келеді келген келіп
        келсе келсем келемін келді кету кетті кетсем кетіп кеткен кетеді жүр жүрмін жүрген
        жүреді алу алып алуға алады алсам алған біту біткен бітеді бітті едім едік едің
        екенін айтшы айтыңыз айтып айтсаңыз қой қойшы білемін білмеймін білсем білмедім
        білу білуге білуім білесіз білесің білсеңіз
        естідім естідік деді дейді дейсіз сияқты секілді шынымен жалпы әйтеуір
    """,
    "ru": """
        я ты вы он она оно мы они мне тебе вам ему ей нам им меня тебя вас его её их мой
        моя мое мои твой ваш ваша наш наша свой и а но или да нет не ни же ли бы то это
        этот эта эти тот та те что кто как когда где куда откуда почему зачем сколько какой
        какая какое какие который которая чей в во на с со к ко у о об от до по за из
        при про для без над под через после перед между есть был была было были будет
        будут быть можно нужно надо ли же ещё уже тоже также очень только всё все весь
        подскажите скажите пожалуйста хочу хотел хотела узнать вопрос интересует есть ли
        мне подскажите расскажите объясните кого кому чем ком чего нему ней нее ним них
        нами вами ими ему им себя себе собой сам сама сами свою своего своей свои своих
        моего моей моих вашего вашей ваших нашего нашей наших этого этой этих этому этим
        том тем той тех таком такой такая такие так там тут здесь сейчас теперь тогда
        если чтобы чтоб потому поэтому также либо разве неужели вот вообще вроде ведь
        мол типа короче ну ага бывает будто каждый каждая любой другой другие
        являюсь является являются буду будем будете будешь был было могу может можем
        могут мочь хотим хотят хочется нужен нужна нужны должен должна должны ли какой-то
        просто слышал слышала говорят сказали знаю понимаю понял поняла подскажи скажи
    """,
    "en": """
        i me my mine you your yours he him his she her it its we us our they them their
        a an the and or but if then so to of in on at by for with from about as into
        is are was were be been being am do does did done have has had will would shall
        should can could may might must what which who whom whose when where why how
        this that these those there here not no yes please tell know want wonder question
        any some also too just only very really then than such out up its im id ive
        dont doesnt didnt cant cannot wont isnt arent wasnt there's whats hows wheres whos
        one ones get got need needs going gonna wanna would like let lets us ok okay
        whether either neither still even ever
    """,
}
# Greetings and thanks by language, which also tell the language of "salem" or "Rakhmet!".
# A word several languages use ("салам") is listed under each.
_GREETINGS = {
    "kk": """
        сәлем сәлеметсіз сәлеметсіздер салем салеметсиз амансыз ба армысыз
        ассалаумағалейкум салам қайырлы таң күн кеш salem salam
    """,
    "ru": """
        привет здравствуйте здрасте здравствуй добрый доброе утро день вечер хай салам
        privet zdravstvuite
    """,
    "en": "hello hi hey hiya greetings good morning afternoon evening",
}
_THANKS = {
    "kk": """
        рахмет рақмет рахмат көп үлкен алғыс көмектестіңіз көмектестің көмектескеніңіз
        rahmet raqmet
    """,
    "ru": "спасибо спс благодарю большое огромное помогли помог помогла выручили очень spasibo",
    "en": "thanks thank thx ty much lot very cheers helped helpful great",
}

# Words people add for context ("I live in Karaganda", "my grandmother") that say nothing about
# which question they ask. Unknown to the FAQ, they would count against every match; these do
# not. Compared by the start of the word, so inflected forms ("Қарағандыда") count too.
_CONTEXT = """
    астана астанада алматы шымкент қарағанды ақтөбе тараз павлодар өскемен семей атырау
    қостанай қызылорда орал петропавл ақтау түркістан талдықорған көкшетау жезқазған
    екібастұз қонаев конаев караганда актобе усть-каменогорск уральск костанай кызылорда
    петропавловск актау туркестан талдыкорган кокшетау жезказган экибастуз облыс область
    ауыл село қала город аудан район region city village town
    анам әкем атам әжем апам ағам інім қарындасым сіңлім әпкем ұлым қызым көршім
    мама папа бабушка дедушка сестра брат сын дочь сосед соседка муж жена
    mom mum dad grandma grandmother grandpa grandfather sister brother son daughter
    neighbour neighbor husband wife
"""


def _skeletons(words: str) -> frozenset[str]:
    return frozenset(skeleton(word) for word in words.split())


STOPWORDS: dict[str, frozenset[str]] = {
    lang: _skeletons(words) for lang, words in _STOPWORDS.items()
}
ALL_STOPWORDS: frozenset[str] = frozenset().union(*STOPWORDS.values())
SOCIAL_BY_LANG: dict[str, frozenset[str]] = {
    lang: _skeletons(_GREETINGS[lang]) | _skeletons(_THANKS[lang]) for lang in _GREETINGS
}
GREETINGS: frozenset[str] = frozenset().union(*map(_skeletons, _GREETINGS.values()))
THANKS: frozenset[str] = frozenset().union(*map(_skeletons, _THANKS.values()))
SOCIAL_WORDS: frozenset[str] = GREETINGS | THANKS
CONTEXT_WORDS: frozenset[str] = _skeletons(_CONTEXT)
_CONTEXT_STEMS: tuple[str, ...] = tuple(sorted(w for w in CONTEXT_WORDS if len(w) >= 4))


def is_context_word(token: str) -> bool:
    """A place or a relative, inflected too when the word is long enough to tell (`token` is
    a skeleton: "сын" must not swallow "синтез")."""
    return token in CONTEXT_WORDS or token.startswith(_CONTEXT_STEMS)

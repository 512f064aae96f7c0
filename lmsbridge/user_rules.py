"""What Moodle accepts in a user record, so that a roster row is checked before anything reaches the site.

Moodle 5.0's own rules, read from its source: the country codes of lang/en/countries.php (an unknown code is
dropped without a word, so a sync would plan the same update forever), the user table's column lengths in
lib/db/install.xml (a longer value fails the whole create batch), names as PARAM_NOTAGS cleans them (a web-service
call refuses a value that cleaning would change: markup fails the batch), and validate_email().
The sandbox imitates Moodle with these.
"""

from __future__ import annotations

import re

_COUNTRY_LIST = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
    YT ZA ZM ZW
"""
COUNTRIES = frozenset(_COUNTRY_LIST.split())

# lib/db/install.xml, table user: the longest value each column takes.
USER_COLUMN_LENGTHS = {"username": 100, "idnumber": 255, "firstname": 100, "lastname": 100, "email": 100,
                       "institution": 255, "department": 255, "city": 120, "lang": 30, "auth": 20}

# validate_email() on a stock site: a dotted domain is required.
EMAIL = re.compile(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                   r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$")

_TAG = re.compile(r"<[^>]*>")


def strip_tags(value: str) -> str:
    """PARAM_NOTAGS as clean_param() applies it: what Moodle keeps of a name."""
    return _TAG.sub("", value)


def too_long(field: str, value: str) -> int:
    """The column's length when ``value`` is longer than Moodle stores (0 = it fits)."""
    limit = USER_COLUMN_LENGTHS.get(field, 0)
    return limit if limit and len(value) > limit else 0

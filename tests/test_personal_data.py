import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from cunwu.accounts import personal_data as pd

VALID = "11010519491231002X"  # the GB 11643 standard's own example


def test_known_valid_and_masked():
    assert pd.normalize_national_id(VALID.lower()) == VALID
    assert pd.mask_national_id(VALID) == "1101**********002X"
    assert pd.mask_phone("13904340000") == "139****0000"


@pytest.mark.parametrize("bad", ["", "123", "11010519491231002Y", "110105194912310021", "99010519491231002X",
                                 "110105194902300020", "110105219912310025"])
def test_invalid_id_numbers_are_refused_with_a_reason(bad):
    with pytest.raises(ValidationError) as caught:
        pd.normalize_national_id(bad)
    assert caught.value.messages[0]


digits = st.text(alphabet="0123456789", min_size=3, max_size=3)
births = st.dates(min_value=__import__("datetime").date(1900, 1, 1), max_value=__import__("datetime").date(2020, 12, 31))


@pytest.mark.once
@settings(max_examples=10_000, deadline=None)
@given(births, digits, st.sampled_from(["110105", "220322", "440306", "650102"]), st.integers(0, 16), st.data())
def test_generated_ids_valid_accepted_and_every_one_character_change_refused(born, serial, area, position, data):
    first17 = f"{area}{born:%Y%m%d}{serial}"
    good = first17 + pd.id_check_char(first17)
    assert pd.normalize_national_id(good) == good
    replacement = data.draw(st.sampled_from([c for c in "0123456789" if c != good[position]]))
    mutated = good[:position] + replacement + good[position + 1:]
    with pytest.raises(ValidationError):
        pd.normalize_national_id(mutated)  # 0 false accepts: the check digit catches any single change


@pytest.mark.once
@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=14))
def test_phone_validator_never_accepts_garbage(text):
    try:
        phone = pd.normalize_phone(text)
    except ValidationError:
        return
    assert len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789" and phone.isdigit()


def test_encryption_round_trip_and_no_clear_text(settings):
    sealed = pd.encrypt(VALID)
    assert VALID not in sealed and pd.decrypt(sealed) == VALID
    assert pd.encrypt(VALID) != sealed  # a fresh nonce each time
    assert pd.blind_index(VALID) == pd.blind_index(VALID)


def test_key_rotation_reads_old_data(settings):
    import base64
    import os

    old = "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    new = "k2:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings.CUNWU = {**settings.CUNWU, "DATA_KEYS": old}
    sealed = pd.encrypt(VALID)
    index = pd.blind_index(VALID)
    settings.CUNWU = {**settings.CUNWU, "DATA_KEYS": f"{new},{old}"}
    assert pd.decrypt(sealed) == VALID
    assert pd.encrypt(VALID).startswith("k2:")
    assert pd.blind_index(VALID) == index  # the blind index stays on the oldest key

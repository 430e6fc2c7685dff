"""The SPF validator, explainer and builder: every rule in both directions."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faqbot.bot.helpers.spf import (
    MAX_DNS_LOOKUPS,
    PROVIDER_INCLUDE,
    SpfInputError,
    build,
    check,
    is_spf_record,
    normalise_domain,
    unquote,
)

PROVIDER = f"include:{PROVIDER_INCLUDE}"


def codes(result, kind="errors"):
    return [finding.code for finding in getattr(result, kind)]


# RFC 7208's own examples (appendix A and section 7) are valid records.
RFC_EXAMPLES = [
    "v=spf1 +all",
    "v=spf1 a -all",
    "v=spf1 a:example.org -all",
    "v=spf1 mx -all",
    "v=spf1 mx:example.org -all",
    "v=spf1 mx mx:example.org -all",
    "v=spf1 mx/30 mx:example.org/30 -all",
    "v=spf1 ptr -all",
    "v=spf1 ip4:192.0.2.128/28 -all",
    "v=spf1 include:example.com include:example.net -all",
    "v=spf1 redirect=example.org",
    "v=spf1 mx -all exp=explain._spf.%{d}",
    "v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all",
    "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
    "v=spf1 mx -all exp=%{ir}.%{v}._spf.%{d2}",
    "v=spf1 a/24//64 -all",
    "v=spf1 a//64 -all",
    "v=spf1 ip6:2001:db8::/32 ip6:::1 -all",
    "v=spf1",
    "V=SPF1 A MX INCLUDE:_SPF.BROADSPEED.DE -ALL",
    "v=spf1 a -all moo.cow-far_out=man:dog/cat",
    "v=spf1 exists:%{l}%%%_%-.example.com -all",
]


@pytest.mark.parametrize("record", RFC_EXAMPLES)
def test_rfc_examples_are_valid(record):
    result = check(record)
    assert result.valid, result.errors


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ("v=spf10 a -all", "version"),
        ("spf1 a -all", "version"),
        ("v=spf1a -all", "version"),
        ("", "version"),
        ("v=spf1 foo -all", "unknown-mechanism"),
        ("v=spf1 ip4:192.168.0.256 -all", "syntax"),
        ("v=spf1 ip4:192.168.01.1 -all", "syntax"),  # leading zero
        ("v=spf1 ip4:192.0.2.0/33 -all", "syntax"),
        ("v=spf1 ip4:192.0.2.0/024 -all", "syntax"),
        ("v=spf1 ip4: -all", "syntax"),
        ("v=spf1 ip6:2001:db8::/129 -all", "syntax"),
        ("v=spf1 ip6:2001:db8:::1 -all", "syntax"),
        ("v=spf1 ip6:192.0.2.1 -all", "syntax"),
        ("v=spf1 a/33 -all", "syntax"),
        ("v=spf1 a//129 -all", "syntax"),
        ("v=spf1 include -all", "syntax"),
        ("v=spf1 include: -all", "syntax"),
        ("v=spf1 exists -all", "syntax"),
        ("v=spf1 include:localhost -all", "syntax"),  # not a full domain
        ("v=spf1 include:example.123 -all", "syntax"),  # top label must have a letter
        ("v=spf1 a:exa%mple.com -all", "syntax"),  # stray %
        ("v=spf1 a:%{x}.example.com -all", "syntax"),  # unknown macro letter
        ("v=spf1 a:%{c}.example.com -all", "syntax"),  # c only in exp
        ("v=spf1 exists:%{t}.example.com -all", "syntax"),
        ("v=spf1 all:example.com", "syntax"),
        ("v=spf1 redirect=a.example redirect=b.example", "duplicate-modifier"),
        ("v=spf1 -all exp=a.example exp=b.example", "duplicate-modifier"),
        ("v=spf1 redirect=", "syntax"),
        ("v=spf1 ip4:192.0.2.5\n include:_spf.example.com -all", "syntax"),  # suite case badip4: a newline is no space
        ("v=spf1 include:foo.example.com\n -all", "syntax"),
        ("v=spf1 -all exp=%{r}.example.com", "syntax"),  # c, r, t only in the explanation text
        ("v=spf1 -all exp=%{c}.example.com", "syntax"),
        ("v=spf1 ip4:1.2.3.\u00b2 -all", "syntax"),  # "²" is no digit in SPF
        ("v=spf1 ip4:\u0661\u0669\u0662.\u0660.\u0662.\u0661 -all", "syntax"),  # nor are Arabic-Indic digits
        ("v=spf1 ip4:192.0.2.0/\u0662\u0664 -all", "syntax"),
        ("v=spf1 a/\u00b2 -all", "syntax"),
        ("v=spf1 ip6:fe80::1%eth0 -all", "syntax"),
        ("v=spf1 include:%{d} -all", "syntax"),  # always includes itself
        ("v=spf1 -exists -all", "syntax"),  # exists needs a domain (pyspf would use the current one)
    ],
)
def test_errors(record, code):
    result = check(record)
    assert not result.valid
    assert code in codes(result)


def test_domain_spec_may_end_in_any_macro_expand():
    for end in ("%{d}", "%{d2r}", "%%", "%_", "%-"):
        assert check(f"v=spf1 {PROVIDER} a:x.{end} -all").valid, end


def test_more_than_ten_lookups_is_a_worst_case_warning():
    eleven = "v=spf1 " + " ".join(f"include:i{n}.example.com" for n in range(11)) + " -all"
    result = check(eleven)
    assert result.valid
    assert result.dns_lookups == 11
    (finding,) = [f for f in result.warnings if f.code == "too-many-lookups"]
    assert finding.message.startswith("Bis zu 11 DNS-Abfragen, wenn keine frühere Regel passt")


def test_terms_after_all_and_redirect_beside_all_cost_nothing():
    assert check("v=spf1 a -all include:x.example.com").dns_lookups == 1
    assert check("v=spf1 a -all redirect=x.example.com").dns_lookups == 1
    assert check("v=spf1 a redirect=x.example.com").dns_lookups == 2


def test_escaped_quotes_are_unquoted_once():
    assert unquote('"v=spf1 exists:a\\\\\\".example.com -all"') == 'v=spf1 exists:a\\".example.com -all'


def test_a_huge_paste_is_refused_with_a_message():
    for pasted in ('"v=spf1 ' + '\\"' * 70_000 + ' -all"', '"v=spf1 ' + "a" * 66_000 + ' -all"'):
        result = check(pasted)
        assert [f.code for f in result.errors] == ["too-long"]
        assert "höchstens 65535 Bytes" in result.errors[0].message


def test_a_long_record_of_escaped_quotes_is_unquoted_whole():
    result = check('"v=spf1 exists:' + '\\"' * 30_000 + '.example.com -all"')
    assert result.record == "v=spf1 exists:" + '"' * 30_000 + ".example.com -all"
    assert [t.name for t in result.terms] == ["v=spf1", "exists", "all"]


def test_ten_lookups_are_allowed_eleven_are_not():
    ten = (
        "v=spf1 a mx ptr exists:x.example.com "
        + " ".join(f"include:i{n}.example.com" for n in range(5))
        + " redirect=r.example.com"
    )
    assert check(ten).dns_lookups == 10
    assert "too-many-lookups" not in codes(check(ten), "warnings")
    assert "too-many-lookups" in codes(check(ten.replace("redirect", "a a:x.example.com redirect")), "warnings")


def test_dns_lookups_count_only_querying_terms():
    record = "v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 a mx include:x.example.com exists:e.example.com ptr -all exp=e.example.com"
    assert check(record).dns_lookups == 5


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (f"v=spf1 a {PROVIDER} +all", "plus-all"),
        (f"v=spf1 a {PROVIDER} all", "plus-all"),
        (f"v=spf1 a {PROVIDER} ?all", "neutral-all"),
        (f"v=spf1 a {PROVIDER}", "no-all"),
        (f"v=spf1 ptr {PROVIDER} -all", "ptr"),
        (f"v=spf1 {PROVIDER} -all a", "after-all"),
        (f"v=spf1 {PROVIDER} -all redirect=example.com", "redirect-with-all"),
        ("v=spf1 a mx -all", "missing-provider"),
        (f"v=spf1 {PROVIDER} " + " ".join(f"ip4:192.0.2.{n}" for n in range(20)) + " -all", "too-long-string"),
        (f"v=spf1 {PROVIDER} " + " ".join(f"ip4:192.0.2.{n}" for n in range(40)) + " -all", "too-long-udp"),
    ],
)
def test_warnings(record, code):
    result = check(record)
    assert result.valid
    assert code in codes(result, "warnings")


@pytest.mark.parametrize(
    "record",
    [
        f"v=spf1 a {PROVIDER} -all",
        f"v=spf1 a {PROVIDER} ~all",
        f"v=spf1 {PROVIDER} redirect=example.com",  # redirect instead of all: protected
        f"v=spf1 a {PROVIDER} -all exp=explain.example.com",  # modifiers after all are fine
    ],
)
def test_good_records_have_no_warnings(record):
    result = check(record)
    assert result.valid and result.warnings == []


def test_the_faq_record_is_clean_and_explained():
    result = check("v=spf1 a include:_spf.broadspeed.de -all")
    assert result.valid and not result.warnings
    explained = {term.name: term.explanation for term in result.terms}
    assert explained["a"].startswith("a — die Server, auf die der A-Record der Domain zeigt, dürfen senden")
    assert "Mailsysteme von Plusnet" in explained["include"]
    assert "dürfen nicht senden" in explained["all"]
    assert result.dns_lookups == 2


def test_the_bad_example_is_explained_in_german():
    result = check(f"v=spf1 a mx ptr {PROVIDER} +all")
    assert result.valid
    assert set(codes(result, "warnings")) == {"plus-all", "ptr"}
    messages = " ".join(finding.message for finding in result.warnings)
    assert "jedem Server der Welt" in messages and "veraltet" in messages


def test_terms_are_structured():
    result = check("v=spf1 ~mx:example.org/30 ip4:192.0.2.0/24 foo=bar")
    mx, ip4, foo = [term for term in result.terms if term.kind != "version"]
    assert (mx.qualifier, mx.name, mx.value) == ("~", "mx", "example.org")
    assert (ip4.qualifier, ip4.name, ip4.value) == ("+", "ip4", "192.0.2.0/24")
    assert (foo.qualifier, foo.name, foo.value) == (None, "foo", "bar")
    assert "ignorieren" in foo.explanation
    data = result.to_json()
    assert [t["name"] for t in data["terms"]] == ["mx", "ip4", "foo"]


@pytest.mark.parametrize(
    "pasted",
    [
        '"v=spf1 a include:_spf.broadspeed.de -all"',
        'example.de.  IN  TXT  "v=spf1 a include:_spf.broadspeed.de -all"',
        '"v=spf1 a " "include:_spf.broadspeed.de -all"',
        "Domain.           IN         TXT      v=spf1 a include:_spf.broadspeed.de -all",
        "  v=spf1 a include:_spf.broadspeed.de -all  ",
    ],
)
def test_pasted_forms_are_understood(pasted):
    assert unquote(pasted) == "v=spf1 a include:_spf.broadspeed.de -all"
    assert check(pasted).valid


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_verdict_in_words(text):
    result = check(text)
    if not is_spf_record(unquote(text)):
        # Not a record at all: one error that says so, and nothing explained as if it were one.
        assert [finding.code for finding in result.errors] == ["version"] and result.terms == []
    assert all(finding.message.strip() for finding in result.errors + result.warnings)
    json.dumps(result.to_json())  # the CLI's --json prints it for any input


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "-all", "mx/24", "ip4:1.2.3.4", "%{d}", "include:", "redirect=x.de", "exp=", "?", "ptr:", "//64", "v=spf1"]
        ),
        max_size=12,
    )
)
def test_term_salad_counts_exactly_the_lookups(parts):
    result = check("v=spf1 " + " ".join(parts))
    # Of the sampled terms only "a", "mx/24" and "redirect=x.de" are well-formed and query DNS.
    # Terms after "-all" are never evaluated, and with "all" present redirect= is never used.
    evaluated = parts[: parts.index("-all")] if "-all" in parts else parts
    expected = sum(part in {"a", "mx/24"} for part in evaluated) + ("redirect=x.de" in parts and "-all" not in parts)
    assert result.dns_lookups == expected
    assert ("too-many-lookups" in {finding.code for finding in result.warnings}) == (expected > MAX_DNS_LOOKUPS)
    malformed = {"%{d}", "include:", "exp=", "?", "ptr:", "//64"}
    expected_valid = (
        not any(part in malformed for part in parts)
        # a modifier twice is an error (the record's own v=spf1 is not a modifier)
        and parts.count("redirect=x.de") <= 1
        and parts.count("v=spf1") <= 1
    )
    assert result.valid == expected_valid


# --- builder ----------------------------------------------------------------------


def test_build_the_faq_record():
    built = build("example.de")
    assert built.record == "v=spf1 a include:_spf.broadspeed.de -all"
    assert built.zone_line == 'example.de.  IN  TXT  "v=spf1 a include:_spf.broadspeed.de -all"'
    assert built.check.valid and not built.check.warnings


def test_build_with_everything():
    built = build(
        "Example.DE.",
        a=False,
        mx=True,
        ip4=["192.0.2.10", "198.51.100.0/24"],
        ip6=["2001:DB8::1"],
        include=["_spf.example.com"],
        policy="~all",
    )
    assert built.record == (
        "v=spf1 mx ip4:192.0.2.10 ip4:198.51.100.0/24 ip6:2001:db8::1 include:_spf.broadspeed.de include:_spf.example.com ~all"
    )
    assert built.zone_line.startswith("example.de.  IN  TXT  ")


def test_build_without_provider_warns():
    built = build("example.de", provider=False)
    assert "missing-provider" in codes(built.check, "warnings")


def test_build_idn_domain():
    assert build("müller.de").domain == "xn--mller-kva.de"


def test_long_records_are_split_into_strings_of_one_txt_record():
    built = build("example.de", ip4=[f"192.0.2.{n}" for n in range(30)])
    strings = built.zone_line.split("TXT  ", 1)[1]
    assert strings.count('"') == 4  # two strings in one record
    assert unquote(strings) == built.record


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"domain": ""}, "Bitte geben Sie eine Domain an"),
        ({"domain": "exa mple.de"}, "keine gültige Domain"),
        ({"domain": "localhost"}, "keine gültige Domain"),
        ({"domain": "-x.de"}, "keine gültige Domain"),
        ({"domain": "example.de", "ip4": ["300.1.1.1"]}, "IPv4"),
        ({"domain": "example.de", "ip6": ["2001:db8::zz"]}, "IPv6"),
        ({"domain": "example.de", "include": ["nicht gültig"]}, "keine gültige Domain"),
        ({"domain": "example.de", "policy": "+all"}, "-all"),
    ],
)
def test_bad_builder_input_is_a_clear_message(kwargs, message):
    domain = kwargs.pop("domain")
    with pytest.raises(SpfInputError, match=message):
        build(domain, **kwargs)


domain_labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(
    labels=st.lists(domain_labels, min_size=1, max_size=3),
    tld=st.from_regex(r"[a-z]{2,6}", fullmatch=True),
    a=st.booleans(),
    mx=st.booleans(),
    provider=st.booleans(),
    ip4=st.lists(st.ip_addresses(v=4).map(str), max_size=3),
    ip6=st.lists(st.ip_addresses(v=6).map(str), max_size=2),
    policy=st.sampled_from(["-all", "~all"]),
)
def test_builder_output_is_always_valid(labels, tld, a, mx, provider, ip4, ip6, policy):
    built = build(".".join([*labels, tld]), a=a, mx=mx, provider=provider, ip4=ip4, ip6=ip6, policy=policy)
    assert check(built.record).valid
    assert check(built.zone_line).valid


def test_normalise_domain():
    assert normalise_domain(" Example.De. ") == "example.de"

"""Request signing for the Binance WebSocket API: HMAC-SHA256, RSA (PKCS#1 v1.5, SHA-256) and Ed25519.

Signature payload (Binance WS API, spot and futures alike): every request param except ``signature``,
sorted by name in code-point order, written as ``name=value`` pairs joined by ``&``. Values are raw UTF-8,
never percent-encoded (that is the REST rule, and it produces a different signature for non-ASCII values).

One rendering function, :func:`encode_param_value`, turns a value into the text that is signed, and
:func:`json_dumps_wire` puts the same text on the wire, so what the server recomputes is what we signed:

* ``str``: as is. ``bool``: ``true`` / ``false``. ``int``: decimal digits.
* ``Decimal``: positional notation, exponent expanded, trailing zeros kept (``Decimal("0.0100")`` -> ``0.0100``,
  ``Decimal("1E-7")`` -> ``0.0000001``). Sent on the wire as a JSON string.
* ``float``: the shortest decimal that reads back as the same float (Python's ``repr``), written without an
  exponent (``0.1`` -> ``0.1``, ``2.0`` -> ``2.0``, ``1e-07`` -> ``0.0000001``, ``1.5e16`` ->
  ``15000000000000000``). Sent on the wire as a JSON *string*: how Binance would render a JSON float when it
  recomputes the payload is undocumented, while a string is signed verbatim, and DECIMAL parameters must be
  strings on futures anyway.
* ``Enum``: its ``value``, rendered by the rules above.
* lists, tuples and mappings: compact JSON (``,`` and ``:`` separators, raw UTF-8), with the rules above applied
  to the items, exactly as :func:`json_dumps_wire` writes them.
* ``None`` as a top-level param is refused: leave optional params out instead of sending ``null``.

Secrets (the HMAC secret, private keys, their password) live only inside :class:`BinanceAuth` and are never
put in a ``repr``, a log record or an exception message; neither are signatures or the API key.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import hashlib
import hmac
import json
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from dotenv import dotenv_values

from .errors import AuthenticationError

__all__ = [
    "AUTH_TYPES",
    "SENSITIVE_PARAM_NAMES",
    "AuthType",
    "BinanceAuth",
    "Clock",
    "TimestampUnit",
    "build_signature_payload",
    "encode_param_value",
    "generate_ed25519_keypair",
    "generate_rsa_keypair",
    "json_dumps_wire",
    "redact_params",
    "verify_signature",
    "verify_signed_params",
]

logger = logging.getLogger(__name__)

AuthType = Literal["hmac", "rsa", "ed25519"]
TimestampUnit = Literal["ms", "us"]

AUTH_TYPES: Final[tuple[AuthType, ...]] = ("hmac", "rsa", "ed25519")

SENSITIVE_PARAM_NAMES: Final[frozenset[str]] = frozenset({"apiKey", "signature"})
"""Request params that must be masked before a request is logged or kept in a message history."""

REDACTED: Final = "<redacted>"

ENV_API_KEY: Final = "BINANCE_API_KEY"
ENV_SECRET_KEY: Final = "BINANCE_SECRET_KEY"
ENV_PRIVATE_KEY: Final = "BINANCE_PRIVATE_KEY"
ENV_PRIVATE_KEY_PASSWORD: Final = "BINANCE_PRIVATE_KEY_PASSWORD"

_PKCS1V15: Final = padding.PKCS1v15()
_SHA256: Final = hashes.SHA256()


# ----------------------------------------------------------------------------------------------------------------
# Rendering of param values (signature payload and wire)
# ----------------------------------------------------------------------------------------------------------------


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("Decimal parameter values must be finite (NaN and Infinity cannot be sent to Binance)")
    # format "f" equals str() for every Decimal str() writes positionally, and expands the rest (1E-7, 1E+2).
    return format(value, "f")


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("float parameter values must be finite (NaN and Infinity cannot be sent to Binance)")
    text = repr(float(value))
    if "e" in text:
        # repr switches to exponent notation below 1e-4 and from 1e16; Binance does not accept exponents.
        return format(Decimal(text), "f")
    return text


_JSON_NATIVE: Final[frozenset[type]] = frozenset({str, int, bool, type(None)})
"""Types whose JSON rendering already equals :func:`encode_param_value` (None only inside lists/objects)."""


def _to_wire(value: Any) -> Any:
    """Return ``value`` with every Decimal/float replaced by its string rendering and every Enum by its value."""
    value_type = type(value)
    if value_type in _JSON_NATIVE:
        return value
    if value_type is dict or isinstance(value, Mapping):
        # Inline check for the common case (flat params of str/int) saves a call per value on the hot path.
        return {key: item if type(item) in _JSON_NATIVE else _to_wire(item) for key, item in value.items()}
    if value_type is list or value_type is tuple or isinstance(value, (list, tuple)):
        return [item if type(item) in _JSON_NATIVE else _to_wire(item) for item in value]
    if isinstance(value, enum.Enum):
        return _to_wire(value.value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str.__str__(value)
    raise TypeError(f"cannot send a value of type {value_type.__name__} as a Binance request parameter")


_WIRE_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def json_dumps_wire(obj: Any) -> str:
    """Compact JSON for a request frame, rendering every value exactly as :func:`encode_param_value` signs it.

    Decimals and floats become JSON strings (see the module docstring), Enums their values, booleans
    ``true``/``false``; non-ASCII text stays raw UTF-8.
    """
    return _WIRE_ENCODER.encode(_to_wire(obj))


def encode_param_value(value: Any) -> str:
    """The text a param value contributes to the signature payload (``name=<this>``); rules in the module docstring."""
    value_type = type(value)
    if value_type is str:
        return value  # type: ignore[no-any-return]
    if value_type is int:
        return str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        raise TypeError("a parameter value is None; leave optional parameters out instead of sending null")
    if isinstance(value, enum.Enum):
        return encode_param_value(value.value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (Mapping, list, tuple)):
        return _WIRE_ENCODER.encode(_to_wire(value))
    raise TypeError(f"cannot sign a value of type {value_type.__name__} as a Binance request parameter")


def build_signature_payload(params: Mapping[str, Any]) -> str:
    """The exact text Binance signs: all params but ``signature``, sorted by name, ``name=value`` joined by ``&``.

    Sorting is by code point (``sorted``), case-sensitive, as in Binance's reference script. Values are not
    percent-encoded. Sign the UTF-8 bytes of the result.
    """
    return "&".join(f"{name}={encode_param_value(params[name])}" for name in sorted(params) if name != "signature")


def redact_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` with the API key and signature masked, for logs and message histories."""
    return {name: (REDACTED if name in SENSITIVE_PARAM_NAMES else value) for name, value in params.items()}


# ----------------------------------------------------------------------------------------------------------------
# Clock
# ----------------------------------------------------------------------------------------------------------------


class Clock:
    """Wall clock corrected by the offset to Binance's server time, for request timestamps.

    Binance rejects a request (-1021) whose timestamp is more than 1000 ms ahead of its clock or older than
    ``recvWindow``. After a -1021, ask the server for its time and call :meth:`sync`; all later timestamps
    carry the measured offset.
    """

    __slots__ = ("_offset_us", "_round_trip_ms", "_time_ns")

    def __init__(self, *, offset_ms: float = 0.0, time_ns: Callable[[], int] = time.time_ns) -> None:
        self._time_ns = time_ns
        self._offset_us = round(offset_ms * 1000)
        self._round_trip_ms: float | None = None

    def __repr__(self) -> str:
        return f"Clock(offset_ms={self.offset_ms:g})"

    @property
    def offset_ms(self) -> float:
        """Server time minus local time, in milliseconds (positive when the local clock is behind)."""
        return self._offset_us / 1000

    @property
    def round_trip_ms(self) -> float | None:
        """Duration of the exchange that set the offset (its error is at most half of this), if synced."""
        return self._round_trip_ms

    def local_ms(self) -> float:
        """Uncorrected local wall time in ms: read it right before and right after asking the server's time."""
        return self._time_ns() / 1_000_000

    def now_us(self) -> int:
        """Estimated server time in microseconds since the epoch."""
        return self._time_ns() // 1000 + self._offset_us

    def now_ms(self) -> int:
        """Estimated server time in milliseconds since the epoch."""
        return (self._time_ns() // 1000 + self._offset_us) // 1000

    def now(self, unit: TimestampUnit = "ms") -> int:
        return self.now_us() if unit == "us" else self.now_ms()

    def sync(self, server_time_ms: float, local_before: float, local_after: float) -> float:
        """Set the offset from a server time read between two local readings (:meth:`local_ms`); return it in ms.

        The server read its clock somewhere between our two readings; the midpoint is the best estimate and is
        off by at most half the round trip.
        """
        if local_after < local_before:
            raise ValueError("local_after must not be earlier than local_before")
        midpoint = (local_before + local_after) / 2
        self._offset_us = round((server_time_ms - midpoint) * 1000)
        self._round_trip_ms = local_after - local_before
        return self.offset_ms

    def reset(self) -> None:
        self._offset_us = 0
        self._round_trip_ms = None


# ----------------------------------------------------------------------------------------------------------------
# Key loading
# ----------------------------------------------------------------------------------------------------------------

_PrivateKey: TypeAlias = "rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey"
_PublicKey: TypeAlias = "rsa.RSAPublicKey | ed25519.Ed25519PublicKey"


def _key_kind(key: object) -> str:
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "an RSA key"
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "an Ed25519 key"
    return f"a key of an unsupported type ({type(key).__name__.lstrip('_')})"


def _normalize_auth_type(auth_type: str) -> AuthType:
    normalized = auth_type.strip().lower() if isinstance(auth_type, str) else ""
    if normalized == "hmac":
        return "hmac"
    if normalized == "rsa":
        return "rsa"
    if normalized == "ed25519":
        return "ed25519"
    raise AuthenticationError("unknown auth_type; expected one of 'hmac', 'rsa', 'ed25519'")


def _password_bytes(password: str | bytes | None) -> bytes | None:
    if password is None:
        return None
    if isinstance(password, bytes):
        return password or None
    if isinstance(password, str):
        return password.encode("utf-8") or None
    raise AuthenticationError("private_key_password must be str or bytes")


def _read_pem(private_key: str | bytes | os.PathLike[str]) -> bytes:
    """PEM bytes from PEM text or from the path of a PEM file; never echoes the value (it may be the key)."""
    if isinstance(private_key, bytes):
        return private_key
    if isinstance(private_key, os.PathLike):
        path = Path(private_key)
    elif isinstance(private_key, str):
        if "-----BEGIN" in private_key:
            text = private_key.strip()
            if "\n" not in text and "\\n" in text:
                # PEM stored on one line with escaped newlines, as environment variables often hold it.
                text = text.replace("\\n", "\n")
            return text.encode("ascii", errors="replace") + b"\n"
        if not private_key.strip():
            raise AuthenticationError("private_key is empty")
        path = Path(os.path.expanduser(private_key.strip()))
    else:
        raise AuthenticationError("private_key must be PEM text, PEM bytes or the path of a PEM file")
    try:
        is_file = path.is_file()
    except OSError:
        is_file = False
    if not is_file:
        raise AuthenticationError(
            "private_key is neither PEM text (-----BEGIN ... -----) nor the path of an existing file (value not shown)"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise AuthenticationError(
            f"cannot read the private key file {str(path)!r}: {exc.strerror or 'I/O error'}"
        ) from None


def _load_private_key(pem: bytes, password: bytes | None) -> Any:
    if b"-----BEGIN" not in pem:
        raise AuthenticationError("the private key file is not PEM (no -----BEGIN ... ----- line)")
    if b"PUBLIC KEY-----" in pem and b"PRIVATE KEY-----" not in pem:
        raise AuthenticationError(
            "private_key holds a public key; pass the private key (the public key is what you register with Binance)"
        )
    is_openssh = b"-----BEGIN OPENSSH PRIVATE KEY-----" in pem
    try:
        if is_openssh:
            return serialization.load_ssh_private_key(pem, password=password)
        return serialization.load_pem_private_key(pem, password=password)
    except TypeError:
        # cryptography raises TypeError for both password mismatches in kind: missing for an encrypted key,
        # or given for a key that is not encrypted.
        if password is None:
            raise AuthenticationError(
                "the private key is encrypted; provide private_key_password (or BINANCE_PRIVATE_KEY_PASSWORD)"
            ) from None
        raise AuthenticationError(
            "a private_key_password was given but the private key is not encrypted; leave the password unset"
        ) from None
    except ValueError:
        if password is not None and (b"ENCRYPTED" in pem or is_openssh):
            raise AuthenticationError("cannot decrypt the private key: wrong private_key_password") from None
        raise AuthenticationError(
            "cannot parse the private key: the PEM data is malformed or not a private key"
        ) from None
    except UnsupportedAlgorithm:
        raise AuthenticationError("the private key uses an algorithm or encryption this system cannot load") from None


@functools.lru_cache(maxsize=64)
def _load_public_key(public_key_pem: str) -> _PublicKey:
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode("ascii", errors="replace"))
    except (ValueError, UnsupportedAlgorithm):
        raise AuthenticationError("cannot parse the public key PEM (expected -----BEGIN PUBLIC KEY-----)") from None
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise AuthenticationError(f"the public key is {_key_kind(key)}; Binance uses RSA or Ed25519")
    return key


def _public_pem(key: _PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _private_pem(key: _PrivateKey, password: str | bytes | None) -> str:
    password_bytes = _password_bytes(password)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password_bytes) if password_bytes else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode("ascii")


def generate_rsa_keypair(key_size: int = 2048, *, password: str | bytes | None = None) -> tuple[str, str]:
    """A new RSA key as ``(private_pem, public_pem)``: PKCS#8 private key, ``BEGIN PUBLIC KEY`` public key.

    Binance accepts 2048- and 4096-bit keys; register the public PEM with Binance and keep the private one.
    With ``password`` the private PEM is encrypted.
    """
    if key_size not in (2048, 4096):
        raise ValueError("Binance accepts RSA keys of 2048 or 4096 bits")
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return _private_pem(key, password), _public_pem(key)


def generate_ed25519_keypair(*, password: str | bytes | None = None) -> tuple[str, str]:
    """A new Ed25519 key as ``(private_pem, public_pem)`` (PKCS#8 / ``BEGIN PUBLIC KEY``)."""
    key = ed25519.Ed25519PrivateKey.generate()
    return _private_pem(key, password), _public_pem(key)


# ----------------------------------------------------------------------------------------------------------------
# Verification (used by the mock server)
# ----------------------------------------------------------------------------------------------------------------


def verify_signature(
    payload: str,
    signature: str,
    *,
    key_type: str,
    secret_key: str | None = None,
    public_key_pem: str | None = None,
) -> bool:
    """Whether ``signature`` is valid for ``payload`` (the text :func:`build_signature_payload` returns).

    ``key_type`` is ``hmac`` (needs ``secret_key``; hex in any case is accepted, as Binance does), ``rsa`` or
    ``ed25519`` (need ``public_key_pem``; base64 signature). A malformed signature is simply invalid; missing or
    mismatched key material raises :class:`AuthenticationError`.
    """
    kind = _normalize_auth_type(key_type)
    if not isinstance(signature, str) or not signature or not signature.isascii():
        return False
    data = payload.encode("utf-8")
    if kind == "hmac":
        if not secret_key:
            raise AuthenticationError("verify_signature(key_type='hmac') needs secret_key")
        expected = hmac.new(secret_key.encode("utf-8"), data, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature.lower())
    if not public_key_pem:
        raise AuthenticationError(f"verify_signature(key_type={kind!r}) needs public_key_pem")
    key = _load_public_key(public_key_pem)
    try:
        raw_signature = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        if kind == "rsa":
            if not isinstance(key, rsa.RSAPublicKey):
                raise AuthenticationError(f"key_type 'rsa' but public_key_pem holds {_key_kind(key)}")
            key.verify(raw_signature, data, _PKCS1V15, _SHA256)
        else:
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise AuthenticationError(f"key_type 'ed25519' but public_key_pem holds {_key_kind(key)}")
            key.verify(raw_signature, data)
    except InvalidSignature:
        return False
    return True


def verify_signed_params(
    params: Mapping[str, Any],
    *,
    key_type: str,
    secret_key: str | None = None,
    public_key_pem: str | None = None,
) -> bool:
    """Whether ``params['signature']`` signs the other params; False when it is missing or not a string."""
    signature = params.get("signature")
    if not isinstance(signature, str):
        return False
    try:
        payload = build_signature_payload(params)
    except (TypeError, ValueError):
        return False
    return verify_signature(payload, signature, key_type=key_type, secret_key=secret_key, public_key_pem=public_key_pem)


# ----------------------------------------------------------------------------------------------------------------
# BinanceAuth
# ----------------------------------------------------------------------------------------------------------------


def _clean_credential(value: str | bytes | None, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationError(f"{name} is not valid UTF-8") from None
    if not isinstance(value, str):
        raise AuthenticationError(f"{name} must be a string")
    # Keys pasted from files or consoles often carry a trailing newline, which would change every signature.
    cleaned = value.strip()
    if not cleaned:
        raise AuthenticationError(f"{name} is empty")
    return cleaned


_Signer: TypeAlias = "Callable[[bytes], str]"


def _hmac_signer(secret: str) -> _Signer:
    # Copying a keyed template skips re-deriving the inner/outer pads for every request.
    template = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)

    def sign_hmac(data: bytes) -> str:
        mac = template.copy()
        mac.update(data)
        return mac.hexdigest()

    return sign_hmac


def _rsa_signer(key: rsa.RSAPrivateKey) -> _Signer:
    def sign_rsa(data: bytes) -> str:
        return base64.b64encode(key.sign(data, _PKCS1V15, _SHA256)).decode("ascii")

    return sign_rsa


def _ed25519_signer(key: ed25519.Ed25519PrivateKey) -> _Signer:
    def sign_ed25519(data: bytes) -> str:
        return base64.b64encode(key.sign(data)).decode("ascii")

    return sign_ed25519


def _load_signer(
    auth_type: AuthType,
    secret_key: str | bytes | None,
    private_key: str | bytes | os.PathLike[str] | None,
    private_key_password: str | bytes | None,
) -> tuple[_Signer | None, str | None]:
    """The signing function for the given key material (None without any) and the public key PEM, if any."""
    if secret_key is not None and private_key is not None:
        raise AuthenticationError(
            "give either secret_key (auth_type='hmac') or private_key (auth_type='rsa'/'ed25519'), not both"
        )
    if auth_type == "hmac":
        if private_key is not None:
            raise AuthenticationError(
                "auth_type 'hmac' signs with secret_key, but a private_key was given; "
                "set auth_type='rsa' or 'ed25519' for a private key"
            )
        if private_key_password is not None:
            raise AuthenticationError("private_key_password applies to RSA and Ed25519 keys, not to auth_type 'hmac'")
        secret = _clean_credential(secret_key, "secret_key")
        return (_hmac_signer(secret) if secret is not None else None), None

    if secret_key is not None:
        raise AuthenticationError(
            f"auth_type {auth_type!r} signs with private_key, but a secret_key was given; "
            "use auth_type='hmac' for an HMAC secret"
        )
    if private_key is None:
        if private_key_password is not None:
            raise AuthenticationError("private_key_password was given without a private_key")
        return None, None
    key = _load_private_key(_read_pem(private_key), _password_bytes(private_key_password))
    signer: _Signer
    if auth_type == "rsa":
        if not isinstance(key, rsa.RSAPrivateKey):
            raise AuthenticationError(f"auth_type 'rsa' needs an RSA private key, but private_key is {_key_kind(key)}")
        signer = _rsa_signer(key)
    else:
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise AuthenticationError(
                f"auth_type 'ed25519' needs an Ed25519 private key, but private_key is {_key_kind(key)}"
            )
        signer = _ed25519_signer(key)
    logger.debug("loaded %s private key", auth_type)
    return signer, _public_pem(key)


class BinanceAuth:
    """API key plus signing key (HMAC secret, RSA or Ed25519 private key) and the clock for timestamps.

    Keys are validated and loaded once, here; a wrong, missing or mismatched key raises
    :class:`AuthenticationError` with a message that names the problem and never the secret. An instance
    without a signing key can still provide the API key (e.g. futures ``userDataStream.start``).
    """

    __slots__ = (
        "_api_key",
        "_auth_type",
        "_clock",
        "_public_key_pem",
        "_sign_bytes",
        "_timestamp_unit",
    )

    def __init__(
        self,
        api_key: str | None = None,
        secret_key: str | bytes | None = None,
        private_key: str | bytes | os.PathLike[str] | None = None,
        auth_type: str = "hmac",
        private_key_password: str | bytes | None = None,
        *,
        timestamp_unit: TimestampUnit = "ms",
        clock: Clock | None = None,
    ) -> None:
        self._auth_type: AuthType = _normalize_auth_type(auth_type)
        if timestamp_unit not in ("ms", "us"):
            raise ValueError("timestamp_unit must be 'ms' or 'us'")
        self._timestamp_unit: TimestampUnit = timestamp_unit
        self._clock = clock if clock is not None else Clock()
        self._api_key = _clean_credential(api_key, "api_key")
        self._sign_bytes, self._public_key_pem = _load_signer(
            self._auth_type, secret_key, private_key, private_key_password
        )

    @classmethod
    def from_env(
        cls,
        auth_type: str = "hmac",
        *,
        timestamp_unit: TimestampUnit = "ms",
        clock: Clock | None = None,
    ) -> BinanceAuth:
        """Credentials from the environment, falling back to a ``.env`` file in the current directory.

        Reads ``BINANCE_API_KEY`` plus ``BINANCE_SECRET_KEY`` (hmac) or ``BINANCE_PRIVATE_KEY`` (PEM text or the
        path of a PEM file) and ``BINANCE_PRIVATE_KEY_PASSWORD`` (rsa, ed25519). A variable already set in the
        environment wins over the ``.env`` file; ``os.environ`` is not modified.
        """
        kind = _normalize_auth_type(auth_type)
        dotenv_file = Path.cwd() / ".env"
        file_values: dict[str, str | None] = dotenv_values(dotenv_file) if dotenv_file.is_file() else {}
        if file_values:
            logger.debug("read %d variables from %s", len(file_values), dotenv_file)

        def lookup(name: str) -> str | None:
            if name in os.environ:
                return os.environ[name]
            return file_values.get(name)

        api_key = lookup(ENV_API_KEY)
        if api_key is None:
            raise AuthenticationError(f"{ENV_API_KEY} is not set (environment or .env in the current directory)")
        if not api_key.strip():
            raise AuthenticationError(f"{ENV_API_KEY} is empty")
        if kind == "hmac":
            secret_key = lookup(ENV_SECRET_KEY)
            if secret_key is None:
                raise AuthenticationError(
                    f"{ENV_SECRET_KEY} is not set (environment or .env in the current directory); "
                    f"for an RSA or Ed25519 key set {ENV_PRIVATE_KEY} and pass auth_type='rsa' or 'ed25519'"
                )
            if not secret_key.strip():
                raise AuthenticationError(f"{ENV_SECRET_KEY} is empty")
            return cls(api_key, secret_key=secret_key, timestamp_unit=timestamp_unit, clock=clock)
        private_key = lookup(ENV_PRIVATE_KEY)
        if private_key is None:
            raise AuthenticationError(
                f"{ENV_PRIVATE_KEY} is not set (environment or .env in the current directory); "
                "it holds the PEM text or the path of the PEM file"
            )
        if not private_key.strip():
            raise AuthenticationError(f"{ENV_PRIVATE_KEY} is empty")
        password = lookup(ENV_PRIVATE_KEY_PASSWORD) or None
        return cls(
            api_key,
            private_key=private_key,
            auth_type=kind,
            private_key_password=password,
            timestamp_unit=timestamp_unit,
            clock=clock,
        )

    def __repr__(self) -> str:
        return (
            f"BinanceAuth(auth_type={self._auth_type!r}, api_key={'set' if self._api_key else 'unset'}, "
            f"signing_key={'set' if self._sign_bytes else 'unset'}, timestamp_unit={self._timestamp_unit!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("BinanceAuth holds secrets and cannot be pickled")

    @property
    def auth_type(self) -> AuthType:
        return self._auth_type

    @property
    def api_key(self) -> str | None:
        return self._api_key

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def timestamp_unit(self) -> TimestampUnit:
        return self._timestamp_unit

    @property
    def can_sign(self) -> bool:
        """True when a secret or private key is loaded."""
        return self._sign_bytes is not None

    @property
    def public_key_pem(self) -> str | None:
        """The public key (``BEGIN PUBLIC KEY``) for RSA/Ed25519; this is what is registered with Binance."""
        return self._public_key_pem

    @property
    def supports_session_logon(self) -> bool:
        """Binance's ``session.logon`` accepts Ed25519 keys only."""
        return self._auth_type == "ed25519" and self._sign_bytes is not None and self._api_key is not None

    def require_session_logon_support(self) -> None:
        """Raise :class:`AuthenticationError` unless this key can log a WebSocket session on."""
        if self._auth_type != "ed25519":
            raise AuthenticationError(
                f"session.logon accepts Ed25519 API keys only, and this client uses an {self._auth_type.upper()} key; "
                "sign each request instead, or create an Ed25519 API key"
            )
        if self._sign_bytes is None:
            raise AuthenticationError("session.logon needs an Ed25519 private key, and none was given")
        if self._api_key is None:
            raise AuthenticationError("session.logon needs an API key, and none was given")

    def sign(self, message: str) -> str:
        """Signature of the UTF-8 bytes of ``message``: lowercase hex (HMAC) or base64 (RSA, Ed25519)."""
        sign_bytes = self._sign_bytes
        if sign_bytes is None:
            needed = "secret_key" if self._auth_type == "hmac" else "private_key"
            raise AuthenticationError(f"cannot sign: no {needed} was given for auth_type {self._auth_type!r}")
        return sign_bytes(message.encode("utf-8"))

    def timestamp(self) -> int:
        """Current (server-corrected) timestamp in this instance's unit, for the ``timestamp`` param."""
        return self._clock.now_us() if self._timestamp_unit == "us" else self._clock.now_ms()

    def create_signed_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A new dict: ``params`` (``None`` values dropped) plus ``apiKey``, ``timestamp`` and ``signature``.

        A ``timestamp`` already in ``params`` is kept (so a caller can pin it); otherwise the clock's current
        time is used. ``recvWindow`` and every other param is kept and signed. A stale ``signature`` is replaced.
        """
        if self._api_key is None:
            raise AuthenticationError("cannot sign a request: no API key was given")
        signed = {name: value for name, value in params.items() if value is not None and name != "signature"}
        signed["apiKey"] = self._api_key
        if "timestamp" not in signed:
            signed["timestamp"] = self.timestamp()
        signed["signature"] = self.sign(build_signature_payload(signed))
        return signed

    def get_headers(self) -> dict[str, str]:
        """``X-MBX-APIKEY`` header (REST-style endpoints, e.g. listenKey management)."""
        if self._api_key is None:
            raise AuthenticationError("no API key was given")
        return {"X-MBX-APIKEY": self._api_key}

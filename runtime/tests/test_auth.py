"""Signing and authentication: Binance's published vectors through the public API, key handling, redaction.

The vectors are embedded (copied from Binance's documentation and our openssl-checked derivations), so the suite
needs no reference files beside it.
"""

from __future__ import annotations

import base64
import enum
import json
import logging
import os
import pickle
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from binance_ws_runtime.auth import (
    BinanceAuth,
    Clock,
    build_signature_payload,
    encode_param_value,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    json_dumps_wire,
    redact_params,
    verify_signature,
    verify_signed_params,
)
from binance_ws_runtime.errors import AuthenticationError

# Binance's published HMAC example key (web-socket-api.md); the secret is public, for test vectors only.
HMAC_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
HMAC_SECRET_KEY = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

# (method, params or None when only the payload was published, exact payload, signature)
HMAC_VECTORS: list[tuple[str, dict[str, Any] | None, str, str]] = [
    (
        "order.place",
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.01000000",
            "price": "52000.00",
            "recvWindow": 100,
            "timestamp": 1645423376532,
            "apiKey": HMAC_API_KEY,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24",
    ),
    (
        "order.place",
        {
            "symbol": "\uff11\uff12\uff13\uff14\uff15\uff16",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "1.00000000",
            "price": "0.10000000",
            "recvWindow": 5000,
            "timestamp": 1645423376532,
            "apiKey": HMAC_API_KEY,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=0.10000000&quantity=1.00000000&recvWindow=5000&side=BUY&symbol=\uff11\uff12\uff13\uff14\uff15\uff16&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd",
    ),
    (
        "session.logon",
        {"apiKey": HMAC_API_KEY, "timestamp": 1649729878532},
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&timestamp=1649729878532",
        "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed",
    ),
    (
        "order.place",
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "price": "23416.10000000",
            "quantity": "0.00847000",
            "apiKey": HMAC_API_KEY,
            "timestamp": 1660801715431,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=23416.10000000&quantity=0.00847000&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1660801715431&type=LIMIT",
        "15af09e41c36f3cc61378c2fbe2c33719a03dd5eba8d0f9206fbda44de717c88",
    ),
    (
        "order.cancel",
        {
            "symbol": "BTCUSDT",
            "origClientOrderId": "4d96324ff9d44481926157",
            "apiKey": HMAC_API_KEY,
            "timestamp": 1660801715830,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&origClientOrderId=4d96324ff9d44481926157&symbol=BTCUSDT&timestamp=1660801715830",
        "33d5b721f278ae17a52f004a82a6f68a70c68e7dd6776ed0be77a455ab855282",
    ),
    (
        "order.cancelReplace",
        {
            "symbol": "BTCUSDT",
            "cancelReplaceMode": "ALLOW_FAILURE",
            "cancelOrigClientOrderId": "4d96324ff9d44481926157",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "price": "23416.10000000",
            "quantity": "0.00847000",
            "apiKey": HMAC_API_KEY,
            "timestamp": 1660813156900,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&cancelOrigClientOrderId=4d96324ff9d44481926157&cancelReplaceMode=ALLOW_FAILURE&price=23416.10000000&quantity=0.00847000&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1660813156900&type=LIMIT",
        "7028fdc187868754d25e42c37ccfa5ba2bab1d180ad55d4c3a7e2de643943dc5",
    ),
    (
        "openOrders.cancelAll",
        {"symbol": "BTCUSDT", "apiKey": HMAC_API_KEY, "timestamp": 1660805557200},
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&symbol=BTCUSDT&timestamp=1660805557200",
        "773f01b6e3c2c9e0c1d217bc043ce383c1ddd6f0e25f8d6070f2b66a6ceaf3a5",
    ),
    (
        "orderList.place",
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "price": "23420.00000000",
            "quantity": "0.00650000",
            "stopPrice": "23410.00000000",
            "stopLimitPrice": "23405.00000000",
            "stopLimitTimeInForce": "GTC",
            "newOrderRespType": "RESULT",
            "apiKey": HMAC_API_KEY,
            "timestamp": 1660801713767,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&newOrderRespType=RESULT&price=23420.00000000&quantity=0.00650000&side=SELL&stopLimitPrice=23405.00000000&stopLimitTimeInForce=GTC&stopPrice=23410.00000000&symbol=BTCUSDT&timestamp=1660801713767",
        "6689c2a36a639ff3915c2904871709990ab65f3c7a9ff13857558fd350315c35",
    ),
    (
        "account.status",
        {"apiKey": HMAC_API_KEY, "timestamp": 1660801839480},
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&timestamp=1660801839480",
        "83303b4a136ac1371795f465808367242685a9e3a42b22edb4d977d0696eb45c",
    ),
    (
        "order.status",
        {"symbol": "BTCUSDT", "orderId": 12569099453, "apiKey": HMAC_API_KEY, "timestamp": 1660801720951},
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&orderId=12569099453&symbol=BTCUSDT&timestamp=1660801720951",
        "2c3aab5a078ee4ea465ecd95523b77289f61476c2f238ec10c55ea6cb11a6f35",
    ),
    (
        "openOrders.status",
        {"symbol": "BTCUSDT", "apiKey": HMAC_API_KEY, "timestamp": 1660813156812},
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&symbol=BTCUSDT&timestamp=1660813156812",
        "d632b3fdb8a81dd44f82c7c901833309dd714fe508772a89b0a35b0ee0c48b89",
    ),
    (
        "allOrders",
        {
            "symbol": "BTCUSDT",
            "startTime": 1660780800000,
            "endTime": 1660867200000,
            "limit": 5,
            "apiKey": HMAC_API_KEY,
            "timestamp": 1661955123341,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&endTime=1660867200000&limit=5&startTime=1660780800000&symbol=BTCUSDT&timestamp=1661955123341",
        "f50a972ba7fad92842187643f6b930802d4e20bce1ba1e788e856e811577bd42",
    ),
    (
        "openOrderLists.status",
        {"apiKey": HMAC_API_KEY, "timestamp": 1660801713831},
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&timestamp=1660801713831",
        "1bea8b157dd78c3da30359bddcd999e4049749fe50b828e620e12f64e8b433c9",
    ),
    (
        "allOrderLists",
        {
            "startTime": 1660780800000,
            "endTime": 1660867200000,
            "limit": 5,
            "apiKey": HMAC_API_KEY,
            "timestamp": 1661955123341,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&endTime=1660867200000&limit=5&startTime=1660780800000&timestamp=1661955123341",
        "c8e1484db4a4a02d0e84dfa627eb9b8298f07ebf12fcc4eaf86e4a565b2712c2",
    ),
    (
        "myTrades",
        {
            "symbol": "BTCUSDT",
            "startTime": 1660780800000,
            "endTime": 1660867200000,
            "apiKey": HMAC_API_KEY,
            "timestamp": 1661955125250,
        },
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&endTime=1660867200000&startTime=1660780800000&symbol=BTCUSDT&timestamp=1661955125250",
        "c5a5ffb79fd4f2e10a92f895d488943a57954edf5933bde3338dfb6ea6d6eefc",
    ),
    (
        "account.rateLimits.orders",
        {"apiKey": HMAC_API_KEY, "timestamp": 1660801839500},
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&timestamp=1660801839500",
        "76289424d6e288f4dc47d167ac824e859dabf78736f4348abbbac848d719eb94",
    ),
    (
        "order.place",
        None,
        "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&newOrderRespType=ACK&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a",
    ),
]

# The non-ASCII order.place payload with the symbol percent-encoded (the REST rule): must NOT be what we sign.
PERCENT_ENCODED_PAYLOAD = (
    "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=0.10000000&quantity=1.00000000&recvWindow=5000&side=BUY"
    "&symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&timeInForce=GTC&timestamp=1645423376532&type=LIMIT"
)
PERCENT_ENCODED_SIGNATURE = "3638bee4d1f01e29fe7b2cabe7afdda17c3c8a56c844d0e1c3340ab75a670225"

# Throw-away Ed25519 key published in Binance's fix-api.md, its FIX logon vector, and WS payloads signed with it.
ED25519_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u
-----END PRIVATE KEY-----
"""
ED25519_PUBLIC_KEY_PEM = """\
-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAGUIKv9dSpWXBViXp2m6vAIb8QMFJYBgyFEQsFJlqgA0=
-----END PUBLIC KEY-----
"""
ED25519_FIX_PAYLOAD_HEX = "41014558414d504c450153504f5401310132303234303632372d31313a31373a32352e323233"
ED25519_FIX_SIGNATURE = "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA=="
ED25519_WS_VECTORS: list[tuple[str, str]] = [
    (
        "apiKey=4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "82wlF5RobwT7JZehRQgOaupNEm5GrAqJj5tqZeCCE6ZxkhlUbWBThOx00q3FVnCKn882P+9p85phztjk4bOMAQ==",
    ),
    (
        "apiKey=4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO&price=0.10000000&quantity=1.00000000&recvWindow=5000&side=BUY&symbol=\uff11\uff12\uff13\uff14\uff15\uff16&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "c54NpyUZhXB0TQWxM60+OHcwRu50TfjPg5I3J3mPeFasLGjHZnuNGE6Ych+fRF6te6sr6URRF4lxUmYXbQ/rCA==",
    ),
    (
        "apiKey=4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO&timestamp=1649729878532",
        "cGkloHLHGGNbrduoWDYBlzIPwRHyDVYVfCE0rDkPwKdKedurBgm2JNWRkwloQDBFG6Mcloavo1siYfEtZbV/Ag==",
    ),
]

# 2048-bit RSA test key (not a Binance key) and PKCS#1 v1.5 SHA-256 signatures cross-checked with openssl.
RSA_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCNepl7h7eHSTKp
3rS+bom6JoLFe2aLRsMtJfPIs0btxdmIO4K8v/N80sDzkw6o62QAWKkKl/77Q7Q7
CQZM8DGzKMm2QJH2FMti2eWKS2xGGA1p2BFEDrk4bUos95mP791B+SNa9nKPUCRC
DU84YxQENEYk+F+lhB27WxJKuzDyMSMoahYqwC09gfEj6diGc2Ug44FfasMUvz9X
SKDuoyVQ4hMaVS8AMq+YokWWfvw2raJmsNq0FVe0X1BxqcdjaU8IL0Sgg5RADFHu
WbhqJrlJQ1ywWiDAghvMJbVXiNVfh3SOiDeGhzMkng3Tb7g17CQRHPu9nCC9RWy/
W4Pd1bEzAgMBAAECggEAQuiiQYuTvkVd0nximlUIiaLA4chUXLXghC+YtWgjuTuC
fy01zTIyYuwBGLCJlFWOe6NyfnIXwpjoWasQ8b3+oy49BxZOcUSwU1WdeuPkltm1
LkNjFv6nlgoJtG58j1fvGc5LbC91SlWqcBp/RrmEs+BM9BsKkOqEbSDK69DPexoR
9DINuVYX7/h2NQQs7txfLxXH1m+jLewL3fReNlrfuoLlJ28t42d9k0VL3YIIcjke
yjBf4wjMPLWf5ndUMA/CxKGc8CK8/6vMWEnaXvodgl2rZjIgBe0kbBKTY/8fxDFo
srPhuL9gF2Va7883yZeHwr6mV0Y8XFee6sUswa3fEQKBgQDAIMi86LWs7DfAXZSQ
IOl15Ja04xQSol2vdPpCwMcW7o0AV0g2H7hDpe2WJBbPgK7DV8nM0J6uTR6bImYq
Ub8XSPgpEx63Zb0GAa9qfKG/xj2/iZgl4TSAxhC8vtqR2nor+YNqxsl5VlPu2UUV
6cLEmrcbGMdSNRW1ljVl45fUfQKBgQC8g0cBUGoSUJe7FC+A5pO2rYgx1Hk7/TuA
1bukUHEs6rosoOLNzmDPAhg4rs1sBwKL+MHNc5bIBIjPYFn5rm8J5w6F8FjxYgak
+rzzA922Y8ppGaD4+N2NVfHSh/m1n9YmszYXB/zSnImzfivTolDG3wcpysV61x2q
fLgrGnL7bwKBgQCTv+J/nDoybEoHji+0kwrWld7r5oFGP0TqrHvUn+m7EeKvM3Ad
51DN/Slzv/cmxiAfq0BOWNTe2AHEbbTBsLHSl1P4SnLhuMSffOZIbuX409wikw7F
eqXkreyrKd5uMeSoMq7Ei3De9euAD+gYDPeyOAS+OtT1vEsgpQ4Vd+wIBQKBgQC0
bJ0YB+QNtW8TkeVJZOZ50CrrLmX+YYeC7o3SXV+E0v/vWOjae60yU9nk3oEj5K2u
VB8BSaFFvPlIKfrTuvzxqGDBFuG53c1oN8eCe+/G8km3P91OjbpW3Kw/iP8Zs2pe
zeV2M6Hp3gL5dUfzHYZcYPfVKwrJYHw3QXlvX7gvJwKBgHcQZzk8jxFDVa0lAjoZ
7D/buX2fASPNdlSrdB6UTC5DI2vBafS8P1EAC0YOoQaVa4Y53j3UWGWllmt1hLe/
bc4U7EDP0trUCZ+hm5BSXqN6CldpQ5sGVIwTGcLH/aL7IyilY4eRBNbHGAM/9DpP
mxVSpx0q/jdx1GWzv12Lgdf0
-----END PRIVATE KEY-----
"""
RSA_WS_VECTORS: list[tuple[str, str]] = [
    (
        "apiKey=CAvIjXy3F44yW6Pou5k8Dy1swsYDWJZLeoK2r8G4cFDnE9nosRppc2eKc1T8TRTQ&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "i/fNMP2a4KwO3+JBAiePtPNuJ3UVNpRFxWLb5hUgBysUReVECdQ+AjJN5tY2r0d+2x3GHC66PvLawo4t6too9Xq98t3W5lyFfdW87tler24RAfG+WFhl2JCz2oSZaKUlzpE2jKCGbEpCYScg0X7D2uldmdn3mrfo9nv+D4041Bht2e//hal4Fj86cE/EkNPZ2Y/Hjvmeg+n1ssbVVrVmgJ+ZH4eCADhuujHjSikfC5MI2BkfpLp74RibytVoNpLJxzeVDHNFz4VbkVON+jGrSs358yI0yvy4q1LqKSIQiZGN9/EnsqHnue1oR1+USHVqRhkAPzyEVbxAe7PVCUQaxQ==",
    ),
    (
        "apiKey=CAvIjXy3F44yW6Pou5k8Dy1swsYDWJZLeoK2r8G4cFDnE9nosRppc2eKc1T8TRTQ&price=0.10000000&quantity=1.00000000&recvWindow=5000&side=BUY&symbol=\uff11\uff12\uff13\uff14\uff15\uff16&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "jSWLiRAGQymM+Xtiu/FCDQvjklM1gDbK43CyRkMOqCAoeXhcFDyACexZjejbj67L6GpvIohNvadjX4jNHDXYiDoy+X6elhF53x8Fr4LXd1pzBjgJhXiYQ/xH9WgRIJoAPdgYav6yp5x7dpqYAvsgdEfCRz1Sn1VwixLud+OFIFxq5mnoP+XSVMyfv94JWd20pZkmHZNdf5RqcV5SB/EiYe3Kx9dWp7nQyGNr3P7AR/N4QsBukNb0Wuisfy44pX2EIj3IjOgAWKmDb7x8V6CG0kEWDtEH0yWjVJ08hGloWHnn1jSRCpEpd5Pj9oCYxMCfsnjaCMq4xEbmzY+DcaUPtg==",
    ),
    (
        "apiKey=CAvIjXy3F44yW6Pou5k8Dy1swsYDWJZLeoK2r8G4cFDnE9nosRppc2eKc1T8TRTQ&timestamp=1649729878532",
        "Ag4k9W8VxQj4wTPixwm0sl/2uOE8ZzSCwwbKLTscoyb6dZWp7rXi+CAPwxFg0lsfkKtBlR2PlHqGzHYNPJTiX1kiVhth1/Plh/nsITYbSy2aT6eXw9yayTguk8OAiBz1YusGKVpLmV2bGpUc2lnScX/DWGQoUBYn+di4Kxday22yKewa34dwsqGNDbZDmb1nSh1CqEXEOu3za/BbJA4YiUW04/ft2MTteJkTOI+VzVeBO/vgnDXHD+VMFcDiI6n9WmLNxU6f2cZP/7l5bXESLEeDJpgr1E4AT0LkdSSPzLQLmf3SfjkDKAvmv/+PwXrZiHPbQau4KOE6TdwCv7u5SQ==",
    ),
]

NON_ASCII_SYMBOL = "\uff11\uff12\uff13\uff14\uff15\uff16"  # fullwidth digits 1-6, as in Binance's example
SECRETS_IN_PEM_BODY = [line for line in RSA_PRIVATE_KEY_PEM.splitlines() if not line.startswith("-----")]


def _params_from_payload(payload: str) -> dict[str, Any]:
    """Params as a caller would pass them, recovered from a published payload (values are plain text)."""
    return dict(pair.split("=", 1) for pair in payload.split("&"))


def _hmac_auth(**kwargs: Any) -> BinanceAuth:
    return BinanceAuth(HMAC_API_KEY, HMAC_SECRET_KEY, **kwargs)


def _encrypted_pem(pem: str, password: bytes) -> str:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    ).decode()


# ---------------------------------------------------------------------------------------------------------------
# Published vectors, through the public API
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "params", "payload", "signature"), HMAC_VECTORS)
def test_hmac_vectors_sign_through_create_signed_params(
    method: str, params: dict[str, Any] | None, payload: str, signature: str
) -> None:
    request_params = dict(params) if params is not None else _params_from_payload(payload)
    auth = _hmac_auth()

    signed = auth.create_signed_params(request_params)

    assert build_signature_payload(request_params) == payload
    assert signed["signature"] == signature, method
    assert signed["apiKey"] == HMAC_API_KEY
    assert auth.sign(payload) == signature


@pytest.mark.parametrize(("method", "params", "payload", "signature"), HMAC_VECTORS)
def test_hmac_vectors_verify(method: str, params: dict[str, Any] | None, payload: str, signature: str) -> None:
    assert verify_signature(payload, signature, key_type="hmac", secret_key=HMAC_SECRET_KEY)
    assert verify_signature(payload, signature.upper(), key_type="hmac", secret_key=HMAC_SECRET_KEY)
    assert not verify_signature(payload + "&x=1", signature, key_type="hmac", secret_key=HMAC_SECRET_KEY)


def test_non_ascii_symbol_is_signed_as_raw_utf8_not_percent_encoded() -> None:
    params = next(p for _, p, payload, _ in HMAC_VECTORS if p is not None and NON_ASCII_SYMBOL in payload)
    assert params is not None

    signed = _hmac_auth().create_signed_params(params)

    assert signed["signature"] == "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd"
    assert signed["signature"] != PERCENT_ENCODED_SIGNATURE
    assert f"symbol={NON_ASCII_SYMBOL}&" in build_signature_payload(params)
    # The negative vector is a real HMAC of the percent-encoded text: only the encoding differs.
    assert _hmac_auth().sign(PERCENT_ENCODED_PAYLOAD) == PERCENT_ENCODED_SIGNATURE
    assert f'"symbol":"{NON_ASCII_SYMBOL}"' in json_dumps_wire(signed)


def test_payload_sorts_by_code_point_and_skips_signature() -> None:
    params = {"b": "1", "B": "2", "a": "3", "timeInForce": "GTC", "timestamp": 5, "signature": "stale"}
    assert build_signature_payload(params) == "B=2&a=3&b=1&timeInForce=GTC&timestamp=5"


def test_ed25519_official_fix_vector() -> None:
    auth = BinanceAuth("any-api-key", private_key=ED25519_PRIVATE_KEY_PEM, auth_type="ed25519")
    payload = bytes.fromhex(ED25519_FIX_PAYLOAD_HEX).decode("ascii")

    assert auth.sign(payload) == ED25519_FIX_SIGNATURE
    assert auth.public_key_pem == ED25519_PUBLIC_KEY_PEM
    assert verify_signature(payload, ED25519_FIX_SIGNATURE, key_type="ed25519", public_key_pem=ED25519_PUBLIC_KEY_PEM)


@pytest.mark.parametrize(("payload", "signature"), ED25519_WS_VECTORS)
def test_ed25519_ws_vectors(payload: str, signature: str) -> None:
    params = _params_from_payload(payload)
    auth = BinanceAuth(params["apiKey"], private_key=ED25519_PRIVATE_KEY_PEM, auth_type="ed25519")

    assert auth.create_signed_params(params)["signature"] == signature
    assert auth.sign(payload) == signature
    assert verify_signature(payload, signature, key_type="ed25519", public_key_pem=ED25519_PUBLIC_KEY_PEM)


@pytest.mark.parametrize(("payload", "signature"), RSA_WS_VECTORS)
def test_rsa_ws_vectors(payload: str, signature: str) -> None:
    params = _params_from_payload(payload)
    auth = BinanceAuth(params["apiKey"], private_key=RSA_PRIVATE_KEY_PEM, auth_type="rsa")

    assert auth.create_signed_params(params)["signature"] == signature
    assert auth.sign(payload) == signature
    assert auth.public_key_pem is not None
    assert verify_signature(payload, signature, key_type="rsa", public_key_pem=auth.public_key_pem)
    assert not verify_signature(payload + "x", signature, key_type="rsa", public_key_pem=auth.public_key_pem)


# ---------------------------------------------------------------------------------------------------------------
# Generated keys: round trip
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("auth_type", ["rsa", "ed25519"])
def test_generated_keys_round_trip(auth_type: str) -> None:
    private_pem, public_pem = generate_rsa_keypair() if auth_type == "rsa" else generate_ed25519_keypair()
    assert "BEGIN PRIVATE KEY" in private_pem
    assert "BEGIN PUBLIC KEY" in public_pem
    auth = BinanceAuth("api-key", private_key=private_pem, auth_type=auth_type)
    _, other_public_pem = generate_rsa_keypair() if auth_type == "rsa" else generate_ed25519_keypair()

    signed = auth.create_signed_params({"symbol": NON_ASCII_SYMBOL, "quantity": Decimal("0.010"), "recvWindow": 5000})

    assert auth.public_key_pem == public_pem
    assert verify_signed_params(signed, key_type=auth_type, public_key_pem=public_pem)
    assert not verify_signed_params(signed, key_type=auth_type, public_key_pem=other_public_pem)
    assert not verify_signed_params({**signed, "quantity": "0.01"}, key_type=auth_type, public_key_pem=public_pem)
    assert not verify_signed_params({**signed, "signature": "%%%"}, key_type=auth_type, public_key_pem=public_pem)


def test_generated_rsa_key_is_2048_bits_and_encryptable() -> None:
    private_pem, _ = generate_rsa_keypair(password="pw-generated")
    assert "ENCRYPTED PRIVATE KEY" in private_pem
    key = serialization.load_pem_private_key(private_pem.encode(), password=b"pw-generated")
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 2048
    with pytest.raises(ValueError, match="2048 or 4096"):
        generate_rsa_keypair(1024)


def test_signed_params_survive_the_wire_and_verify_on_the_other_side() -> None:
    auth = _hmac_auth()
    signed = auth.create_signed_params(
        {
            "symbol": NON_ASCII_SYMBOL,
            "price": Decimal("1E-7"),
            "quantity": 0.5,
            "newOrderRespType": None,
            "isIsolated": True,
            "symbols": ["BTCUSDT", "ETHUSDT"],
            "recvWindow": Decimal("6000.346"),
        }
    )
    frame = json_dumps_wire({"id": 1, "method": "order.place", "params": signed})

    received = json.loads(frame)["params"]

    assert "newOrderRespType" not in received
    assert received["price"] == "0.0000001"
    assert received["quantity"] == "0.5"
    assert received["recvWindow"] == "6000.346"
    assert received["isIsolated"] is True
    assert verify_signed_params(received, key_type="hmac", secret_key=HMAC_SECRET_KEY)


# ---------------------------------------------------------------------------------------------------------------
# Value rendering: signed text == wire text
# ---------------------------------------------------------------------------------------------------------------


class _Side(str, enum.Enum):
    BUY = "BUY"


class _Level(enum.IntEnum):
    FIVE = 5


@pytest.mark.parametrize(
    ("value", "signed_text", "wire_json"),
    [
        ("52000.00", "52000.00", '"52000.00"'),
        (NON_ASCII_SYMBOL, NON_ASCII_SYMBOL, f'"{NON_ASCII_SYMBOL}"'),
        ("a&b=c%20", "a&b=c%20", '"a&b=c%20"'),
        (True, "true", "true"),
        (False, "false", "false"),
        (0, "0", "0"),
        (1645423376532, "1645423376532", "1645423376532"),
        (-3, "-3", "-3"),
        (Decimal("0.01000000"), "0.01000000", '"0.01000000"'),
        (Decimal("1E-7"), "0.0000001", '"0.0000001"'),
        (Decimal("1E+2"), "100", '"100"'),
        (Decimal("-0.5"), "-0.5", '"-0.5"'),
        (0.1, "0.1", '"0.1"'),
        (2.0, "2.0", '"2.0"'),
        (1e-7, "0.0000001", '"0.0000001"'),
        (1.5e16, "15000000000000000", '"15000000000000000"'),
        (6000.346, "6000.346", '"6000.346"'),
        (_Side.BUY, "BUY", '"BUY"'),
        (_Level.FIVE, "5", "5"),
        (["BTCUSDT", "BNBUSDT"], '["BTCUSDT","BNBUSDT"]', '["BTCUSDT","BNBUSDT"]'),
        (("a", 1, True, None), '["a",1,true,null]', '["a",1,true,null]'),
        ({"k": Decimal("1.50"), "n": [0.25]}, '{"k":"1.50","n":["0.25"]}', '{"k":"1.50","n":["0.25"]}'),
        ([NON_ASCII_SYMBOL], f'["{NON_ASCII_SYMBOL}"]', f'["{NON_ASCII_SYMBOL}"]'),
    ],
)
def test_value_rendering(value: Any, signed_text: str, wire_json: str) -> None:
    assert encode_param_value(value) == signed_text
    assert json_dumps_wire(value) == wire_json


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, TypeError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (Decimal("NaN"), ValueError),
        (Decimal("-Infinity"), ValueError),
        (b"bytes", TypeError),
        (object(), TypeError),
    ],
)
def test_unrenderable_values_are_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        encode_param_value(value)
    if value is not None:
        with pytest.raises(error):
            json_dumps_wire({"p": value})


def _as_server_renders(value: Any) -> str:
    """How a server that received ``value`` in a JSON frame turns it back into payload text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_scalars = (
    st.text()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e30"), max_value=Decimal("1e30"))
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
)


@given(st.dictionaries(st.text(min_size=1), _values, max_size=6))
def test_every_value_reaches_the_server_as_it_was_signed(params: dict[str, Any]) -> None:
    received = json.loads(json_dumps_wire(params))

    server_payload = "&".join(f"{name}={_as_server_renders(received[name])}" for name in sorted(received))

    assert server_payload == build_signature_payload({k: v for k, v in params.items() if k != "signature"})


_POSITIONAL_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_render_positionally_and_exactly(value: float) -> None:
    text = encode_param_value(value)

    assert _POSITIONAL_NUMBER.fullmatch(text)
    assert float(text) == value
    assert json.loads(json_dumps_wire([value])) == [text]


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e40"), max_value=Decimal("1e40")))
def test_decimals_render_positionally_and_exactly(value: Decimal) -> None:
    text = encode_param_value(value)

    assert _POSITIONAL_NUMBER.fullmatch(text)
    assert Decimal(text) == value
    assert json.loads(json_dumps_wire([value])) == [text]


# ---------------------------------------------------------------------------------------------------------------
# create_signed_params, headers, timestamps
# ---------------------------------------------------------------------------------------------------------------


def test_create_signed_params_keeps_recv_window_drops_none_and_does_not_mutate() -> None:
    clock = Clock(time_ns=lambda: 1_700_000_000_123_456_789)
    auth = _hmac_auth(clock=clock)
    params = {"symbol": "BTCUSDT", "recvWindow": 100, "orderId": None, "signature": "stale"}

    signed = auth.create_signed_params(params)

    assert params == {"symbol": "BTCUSDT", "recvWindow": 100, "orderId": None, "signature": "stale"}
    assert signed["recvWindow"] == 100
    assert "orderId" not in signed
    assert signed["timestamp"] == 1_700_000_000_123
    assert signed["signature"] == auth.sign(
        f"apiKey={HMAC_API_KEY}&recvWindow=100&symbol=BTCUSDT&timestamp=1700000000123"
    )


def test_microsecond_timestamps() -> None:
    clock = Clock(time_ns=lambda: 1_700_000_000_123_456_789)
    auth = _hmac_auth(clock=clock, timestamp_unit="us")

    signed = auth.create_signed_params({"symbol": "BTCUSDT"})

    assert signed["timestamp"] == 1_700_000_000_123_456
    assert len(str(signed["timestamp"])) == 16
    assert auth.timestamp() == clock.now_us()
    assert _hmac_auth(clock=clock).timestamp() == 1_700_000_000_123
    with pytest.raises(ValueError, match="timestamp_unit"):
        _hmac_auth(timestamp_unit="ns")


def test_clock_sync_uses_the_midpoint_of_the_round_trip() -> None:
    local_ns = [1_000_000_000_000_000_000]
    clock = Clock(time_ns=lambda: local_ns[0])
    before = clock.local_ms()
    local_ns[0] += 40_000_000  # 40 ms round trip
    after = clock.local_ms()

    offset = clock.sync(1_000_000_000_000 + 20 + 2500, before, after)

    assert offset == 2500
    assert clock.round_trip_ms == 40
    assert clock.now_ms() == 1_000_000_000_000 + 40 + 2500
    assert clock.now_us() == (1_000_000_000_000 + 40 + 2500) * 1000
    assert "2500" in repr(clock)
    clock.reset()
    assert clock.offset_ms == 0
    assert clock.round_trip_ms is None
    with pytest.raises(ValueError):
        clock.sync(1, after, before)


def test_headers_and_missing_api_key() -> None:
    assert _hmac_auth().get_headers() == {"X-MBX-APIKEY": HMAC_API_KEY}
    keyless = BinanceAuth(secret_key=HMAC_SECRET_KEY)
    assert keyless.sign("a=1") == _hmac_auth().sign("a=1")
    with pytest.raises(AuthenticationError, match="API key"):
        keyless.create_signed_params({})
    with pytest.raises(AuthenticationError, match="API key"):
        keyless.get_headers()


def test_api_key_only_instance_cannot_sign() -> None:
    auth = BinanceAuth("api-key-only")
    assert not auth.can_sign
    assert auth.get_headers() == {"X-MBX-APIKEY": "api-key-only"}
    with pytest.raises(AuthenticationError, match="no secret_key"):
        auth.sign("a=1")


# ---------------------------------------------------------------------------------------------------------------
# session.logon support
# ---------------------------------------------------------------------------------------------------------------


def test_session_logon_requires_ed25519() -> None:
    ed = BinanceAuth("api-key", private_key=ED25519_PRIVATE_KEY_PEM, auth_type="ed25519")
    rsa_auth = BinanceAuth("api-key", private_key=RSA_PRIVATE_KEY_PEM, auth_type="rsa")

    assert ed.supports_session_logon
    ed.require_session_logon_support()
    for auth in (_hmac_auth(), rsa_auth):
        assert not auth.supports_session_logon
        with pytest.raises(AuthenticationError, match="Ed25519"):
            auth.require_session_logon_support()
    with pytest.raises(AuthenticationError, match="API key"):
        BinanceAuth(private_key=ED25519_PRIVATE_KEY_PEM, auth_type="ed25519").require_session_logon_support()
    with pytest.raises(AuthenticationError, match="private key"):
        BinanceAuth("api-key", auth_type="ed25519").require_session_logon_support()


# ---------------------------------------------------------------------------------------------------------------
# Wrong and missing keys
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"private_key": RSA_PRIVATE_KEY_PEM, "auth_type": "ed25519"}, "needs an Ed25519 private key.*RSA"),
        ({"private_key": ED25519_PRIVATE_KEY_PEM, "auth_type": "rsa"}, "needs an RSA private key.*Ed25519"),
        ({"private_key": ED25519_PRIVATE_KEY_PEM}, "auth_type 'hmac' signs with secret_key"),
        ({"secret_key": HMAC_SECRET_KEY, "auth_type": "rsa"}, "use auth_type='hmac'"),
        ({"secret_key": HMAC_SECRET_KEY, "private_key": ED25519_PRIVATE_KEY_PEM}, "not both"),
        ({"secret_key": ""}, "secret_key is empty"),
        ({"secret_key": "  \n"}, "secret_key is empty"),
        ({"secret_key": HMAC_SECRET_KEY, "auth_type": "md5"}, "unknown auth_type"),
        (
            {
                "private_key": "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
                "auth_type": "rsa",
            },
            "cannot parse the private key",
        ),
        ({"private_key": ED25519_PUBLIC_KEY_PEM, "auth_type": "ed25519"}, "holds a public key"),
        ({"private_key": "/nonexistent/dir/key.pem", "auth_type": "ed25519"}, "neither PEM text"),
        ({"private_key": SECRETS_IN_PEM_BODY[1], "auth_type": "rsa"}, "neither PEM text"),
        ({"private_key": "", "auth_type": "rsa"}, "private_key is empty"),
        ({"private_key_password": "pw"}, "not to auth_type 'hmac'"),
        ({"auth_type": "rsa", "private_key_password": "pw"}, "without a private_key"),
    ],
)
def test_wrong_or_missing_keys_raise_authentication_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(AuthenticationError, match=message) as raised:
        BinanceAuth("api-key", **kwargs)
    _assert_free_of_secrets(str(raised.value), repr(raised.value), *map(str, raised.value.args))
    assert raised.value.__cause__ is None


def test_unsupported_key_type_is_named() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    with pytest.raises(AuthenticationError, match="unsupported type"):
        BinanceAuth("api-key", private_key=ec_pem, auth_type="ed25519")


def test_encrypted_pem_with_right_wrong_and_missing_password() -> None:
    encrypted = _encrypted_pem(ED25519_PRIVATE_KEY_PEM, b"correct horse")

    auth = BinanceAuth("api-key", private_key=encrypted, auth_type="ed25519", private_key_password="correct horse")
    assert auth.sign(ED25519_WS_VECTORS[0][0]) == ED25519_WS_VECTORS[0][1]

    with pytest.raises(AuthenticationError, match="wrong private_key_password") as wrong:
        BinanceAuth("api-key", private_key=encrypted, auth_type="ed25519", private_key_password="battery staple")
    assert "battery staple" not in str(wrong.value)
    with pytest.raises(AuthenticationError, match="is encrypted; provide private_key_password"):
        BinanceAuth("api-key", private_key=encrypted, auth_type="ed25519")
    with pytest.raises(AuthenticationError, match="not encrypted"):
        BinanceAuth("api-key", private_key=ED25519_PRIVATE_KEY_PEM, auth_type="ed25519", private_key_password="x")


def test_pem_path_and_pem_text_load_the_same_key(tmp_path: Path) -> None:
    key_file = tmp_path / "ed25519.pem"
    key_file.write_text(ED25519_PRIVATE_KEY_PEM)
    one_line = ED25519_PRIVATE_KEY_PEM.strip().replace("\n", "\\n")
    payload, signature = ED25519_WS_VECTORS[2]

    for private_key in (ED25519_PRIVATE_KEY_PEM, ED25519_PRIVATE_KEY_PEM.encode(), str(key_file), key_file, one_line):
        auth = BinanceAuth("api-key", private_key=private_key, auth_type="ed25519")
        assert auth.sign(payload) == signature
        assert auth.public_key_pem == ED25519_PUBLIC_KEY_PEM


def test_garbage_file_is_rejected(tmp_path: Path) -> None:
    key_file = tmp_path / "garbage.pem"
    key_file.write_bytes(b"\x00\x01 definitely not a key")
    with pytest.raises(AuthenticationError, match="not PEM"):
        BinanceAuth("api-key", private_key=key_file, auth_type="rsa")


def test_verify_signature_rejects_bad_inputs() -> None:
    payload, signature = ED25519_WS_VECTORS[0]
    rsa_public = BinanceAuth(private_key=RSA_PRIVATE_KEY_PEM, auth_type="rsa").public_key_pem

    assert not verify_signature(payload, "not base64!", key_type="ed25519", public_key_pem=ED25519_PUBLIC_KEY_PEM)
    assert not verify_signature(payload, "", key_type="ed25519", public_key_pem=ED25519_PUBLIC_KEY_PEM)
    assert not verify_signature(payload, "\u00ff" * 64, key_type="hmac", secret_key=HMAC_SECRET_KEY)
    assert not verify_signed_params({"a": "1"}, key_type="hmac", secret_key=HMAC_SECRET_KEY)
    with pytest.raises(AuthenticationError, match="holds an RSA key"):
        verify_signature(payload, signature, key_type="ed25519", public_key_pem=rsa_public)
    with pytest.raises(AuthenticationError, match="needs secret_key"):
        verify_signature(payload, signature, key_type="hmac")
    with pytest.raises(AuthenticationError, match="needs public_key_pem"):
        verify_signature(payload, signature, key_type="rsa")
    with pytest.raises(AuthenticationError, match="cannot parse the public key"):
        verify_signature(payload, signature, key_type="rsa", public_key_pem="-----BEGIN PUBLIC KEY-----\nxx\n")


# ---------------------------------------------------------------------------------------------------------------
# from_env and .env
# ---------------------------------------------------------------------------------------------------------------

_ENV_NAMES = ("BINANCE_API_KEY", "BINANCE_SECRET_KEY", "BINANCE_PRIVATE_KEY", "BINANCE_PRIVATE_KEY_PASSWORD")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_from_env_reads_dotenv_in_cwd(clean_env: Path) -> None:
    (clean_env / ".env").write_text(f"BINANCE_API_KEY={HMAC_API_KEY}\nBINANCE_SECRET_KEY={HMAC_SECRET_KEY}\n")
    _, params, _, signature = HMAC_VECTORS[0]
    assert params is not None

    auth = BinanceAuth.from_env()

    assert auth.auth_type == "hmac"
    assert auth.api_key == HMAC_API_KEY
    assert auth.create_signed_params(params)["signature"] == signature
    assert "BINANCE_SECRET_KEY" not in os.environ


def test_from_env_does_not_override_variables_already_set(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text(f"BINANCE_API_KEY=from-dotenv\nBINANCE_SECRET_KEY={HMAC_SECRET_KEY}\n")
    monkeypatch.setenv("BINANCE_API_KEY", HMAC_API_KEY)
    monkeypatch.setenv("BINANCE_SECRET_KEY", "secret-from-environment")

    auth = BinanceAuth.from_env()

    assert auth.api_key == HMAC_API_KEY
    assert auth.sign("a=1") == BinanceAuth(secret_key="secret-from-environment").sign("a=1")
    assert auth.sign("a=1") != _hmac_auth().sign("a=1")
    assert os.environ["BINANCE_SECRET_KEY"] == "secret-from-environment"


def test_from_env_private_key_path_and_password(clean_env: Path) -> None:
    key_file = clean_env / "key.pem"
    key_file.write_text(_encrypted_pem(ED25519_PRIVATE_KEY_PEM, b"dotenv password"))
    (clean_env / ".env").write_text(
        f"BINANCE_API_KEY=ed-key\nBINANCE_PRIVATE_KEY={key_file}\nBINANCE_PRIVATE_KEY_PASSWORD='dotenv password'\n"
    )

    auth = BinanceAuth.from_env("ed25519")

    assert auth.supports_session_logon
    assert auth.sign(ED25519_WS_VECTORS[1][0]) == ED25519_WS_VECTORS[1][1]


def test_from_env_private_key_pem_text(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", "rsa-key")
    monkeypatch.setenv("BINANCE_PRIVATE_KEY", RSA_PRIVATE_KEY_PEM)

    auth = BinanceAuth.from_env(auth_type="rsa")

    assert auth.sign(RSA_WS_VECTORS[2][0]) == RSA_WS_VECTORS[2][1]


@pytest.mark.parametrize(
    ("env", "auth_type", "message"),
    [
        ({}, "hmac", "BINANCE_API_KEY is not set"),
        ({"BINANCE_API_KEY": "k"}, "hmac", "BINANCE_SECRET_KEY is not set"),
        ({"BINANCE_API_KEY": "k", "BINANCE_SECRET_KEY": ""}, "hmac", "BINANCE_SECRET_KEY is empty"),
        ({"BINANCE_API_KEY": "k", "BINANCE_SECRET_KEY": "s"}, "ed25519", "BINANCE_PRIVATE_KEY is not set"),
        ({"BINANCE_API_KEY": " "}, "hmac", "BINANCE_API_KEY is empty"),
    ],
)
def test_from_env_missing_variables(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], auth_type: str, message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(AuthenticationError, match=message):
        BinanceAuth.from_env(auth_type)


# ---------------------------------------------------------------------------------------------------------------
# Redaction
# ---------------------------------------------------------------------------------------------------------------

_PASSWORD = "pa55-w0rd-that-must-not-leak"
_SECRET_FRAGMENTS = [HMAC_SECRET_KEY, _PASSWORD, *SECRETS_IN_PEM_BODY, ED25519_PRIVATE_KEY_PEM.splitlines()[1]]


def _assert_free_of_secrets(*texts: str) -> None:
    for text in texts:
        for secret in _SECRET_FRAGMENTS:
            assert secret not in text


def test_secrets_never_reach_logs_repr_or_errors(
    caplog: pytest.LogCaptureFixture, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    encrypted = _encrypted_pem(ED25519_PRIVATE_KEY_PEM, _PASSWORD.encode())
    (clean_env / ".env").write_text(
        f"BINANCE_API_KEY={HMAC_API_KEY}\nBINANCE_SECRET_KEY={HMAC_SECRET_KEY}\n"
        f"BINANCE_PRIVATE_KEY_PASSWORD={_PASSWORD}\n"
    )
    monkeypatch.setenv("BINANCE_PRIVATE_KEY", encrypted.replace("\n", "\\n"))

    hmac_auth = BinanceAuth.from_env()
    ed_auth = BinanceAuth.from_env("ed25519")
    rsa_auth = BinanceAuth(HMAC_API_KEY, private_key=RSA_PRIVATE_KEY_PEM, auth_type="rsa")
    signatures = [
        auth.create_signed_params({"symbol": "BTCUSDT"})["signature"] for auth in (hmac_auth, ed_auth, rsa_auth)
    ]
    texts = [repr(auth) for auth in (hmac_auth, ed_auth, rsa_auth)] + [str(auth) for auth in (hmac_auth, ed_auth)]
    failures: list[AuthenticationError] = []
    for attempt in (
        lambda: BinanceAuth(HMAC_API_KEY, private_key=encrypted, auth_type="ed25519", private_key_password="wrong"),
        lambda: BinanceAuth(HMAC_API_KEY, private_key=encrypted, auth_type="rsa", private_key_password=_PASSWORD),
        lambda: BinanceAuth(HMAC_API_KEY, private_key=RSA_PRIVATE_KEY_PEM[:200], auth_type="rsa"),
        lambda: BinanceAuth(HMAC_API_KEY, secret_key=HMAC_SECRET_KEY, private_key_password=_PASSWORD),
        lambda: hmac_auth.require_session_logon_support(),
    ):
        with pytest.raises(AuthenticationError) as raised:
            attempt()
        failures.append(raised.value)
    texts += [text for failure in failures for text in (str(failure), repr(failure), *map(str, failure.args))]
    texts += [record.getMessage() for record in caplog.records] + [repr(record.args) for record in caplog.records]

    _assert_free_of_secrets(*texts)
    for text in texts:
        assert HMAC_API_KEY not in text
        for signature in signatures:
            assert signature not in text
    assert caplog.records, "key loading should log (without secrets), otherwise this test checks nothing"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(hmac_auth)


def test_redact_params_masks_api_key_and_signature() -> None:
    signed = _hmac_auth().create_signed_params({"symbol": "BTCUSDT"})

    redacted = redact_params(signed)

    assert redacted["symbol"] == "BTCUSDT"
    assert redacted["timestamp"] == signed["timestamp"]
    assert HMAC_API_KEY not in repr(redacted)
    assert signed["signature"] not in repr(redacted)


def test_embedded_ed25519_vector_is_consistent_with_the_raw_primitive() -> None:
    key = serialization.load_pem_private_key(ED25519_PRIVATE_KEY_PEM.encode(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    raw = base64.b64decode(ED25519_FIX_SIGNATURE)
    key.public_key().verify(raw, bytes.fromhex(ED25519_FIX_PAYLOAD_HEX))

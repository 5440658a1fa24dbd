"""The spec-independent runtime of the generated Binance WebSocket clients.

Generated packages import it as ``<package>._runtime`` (an embedded, byte-identical copy) or, when generated with
``runtime=shared``, as this installed distribution. Applications use the generated package's own modules
(``client``, ``models``, ``errors``, ``auth``, ``testing``); the layout of this package is described in its README.
"""

__version__ = "0.2.0"

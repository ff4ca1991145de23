"""SNMP v2c packets built by pysnmp's own encoder: the reference our codec (netmon.probes.ber) is
tested against, and what the hostile test agent answers with."""

from __future__ import annotations

from pyasn1.codec.ber import encoder as pyasn1_encoder
from pysnmp.proto import api

#: pysnmp's v2c protocol module (message and PDU accessors).
P = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]


def pysnmp_response(request_id: int, community: str | bytes, var_binds, status: int = 0, index: int = 0) -> bytes:
    """A GetResponse message with these varbinds, encoded by pysnmp."""
    pdu = P.GetResponsePDU()
    P.apiPDU.set_defaults(pdu)
    P.apiPDU.set_request_id(pdu, request_id)
    P.apiPDU.set_error_status(pdu, status)
    P.apiPDU.set_error_index(pdu, index)
    P.apiPDU.set_varbinds(pdu, var_binds)
    message = P.Message()
    P.apiMessage.set_defaults(message)
    P.apiMessage.set_community(message, community)
    P.apiMessage.set_pdu(message, pdu)
    return pyasn1_encoder.encode(message)

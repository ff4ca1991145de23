"""pysnmp keeps one USM row per v3 user name: other keys for the same name wait their turn."""

from __future__ import annotations

import asyncio

from netmon.probes import SnmpV3
from netmon.probes.snmp import _UsmGate


def creds(user="monitor", key="auth-key-1"):
    return SnmpV3(user, "SHA", key, "AES-128", "priv-key-1")


def test_same_keys_share_and_other_keys_wait_in_order():
    async def run():
        gate, log = _UsmGate(), []

        async def use(name, credentials, hold_s):
            async with gate.hold(credentials):
                log.append(f"+{name}")
                await asyncio.sleep(hold_s)
                log.append(f"-{name}")

        a, b = creds(key="auth-key-A"), creds(key="auth-key-B")
        other_user = creds(user="someone-else", key="auth-key-B")
        tasks = [asyncio.create_task(use("a1", a, 0.05))]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(use("a2", a, 0.01)))  # same keys: joins a1 at once
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(use("b1", b, 0.01)))  # other keys: waits for a1 and a2
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(use("a3", a, 0.01)))  # came after b1: waits for it (fair)
        tasks.append(asyncio.create_task(use("x1", other_user, 0.01)))  # another user: never waits
        await asyncio.gather(*tasks)
        return log

    log = asyncio.run(run())
    assert log.index("+a2") < log.index("-a1")
    assert log.index("+x1") < log.index("-a1")
    assert log.index("+b1") > max(log.index("-a1"), log.index("-a2"))
    assert log.index("+a3") > log.index("-b1")


def test_a_cancelled_waiter_does_not_block_the_others():
    async def run():
        gate = _UsmGate()
        entered = []

        async def use(name, credentials, hold_s):
            async with gate.hold(credentials):
                entered.append(name)
                await asyncio.sleep(hold_s)

        first = asyncio.create_task(use("a", creds(key="auth-key-A"), 0.05))
        await asyncio.sleep(0)
        doomed = asyncio.create_task(use("b", creds(key="auth-key-B"), 1.0))
        await asyncio.sleep(0)
        later = asyncio.create_task(use("c", creds(key="auth-key-C"), 0.0))
        await asyncio.sleep(0.01)
        doomed.cancel()
        await asyncio.wait_for(asyncio.gather(first, later), timeout=2)
        assert doomed.cancelled()
        return entered, gate

    entered, gate = asyncio.run(run())
    assert entered == ["a", "c"]
    assert not gate._active and not gate._waiting

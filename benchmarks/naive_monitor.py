"""The baseline monitor: what the AMS "check job progress" REST sample does, for every job,
every cycle: `GET Jobs()?$filter=Id eq '<id>'&$top=1` and `GET Jobs('<id>')/Tasks`."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx

HEADERS = {
    "DataServiceVersion": "1.0;NetFx",
    "MaxDataServiceVersion": "3.0;NetFx",
    "Accept": "application/json",
    "Authorization": "Bearer naive",
    "x-ms-version": "2.11",
}


class NaiveMonitor:
    def __init__(self, root: str, concurrency: int = 8) -> None:
        self.root = root
        self.client = httpx.AsyncClient(timeout=60)
        self.semaphore = asyncio.Semaphore(concurrency)
        self.job_ids: list[str] = []

    async def discover(self) -> None:
        skip = 0
        while True:
            r = await self.client.get(f"{self.root}Jobs()?$skip={skip}&$top=1000", headers=HEADERS)
            page = r.json()["value"]
            self.job_ids += [j["Id"] for j in page]
            skip += len(page)
            if len(page) < 1000:
                break

    async def _poll(self, job_id: str) -> None:
        key = quote(job_id, safe="")
        async with self.semaphore:
            await self.client.get(
                f"{self.root}Jobs()?$filter=Id%20eq%20'{key}'&$top=1", headers=HEADERS
            )
            await self.client.get(f"{self.root}Jobs('{key}')/Tasks", headers=HEADERS)

    async def cycle(self) -> None:
        await asyncio.gather(*(self._poll(i) for i in self.job_ids))

    async def aclose(self) -> None:
        await self.client.aclose()

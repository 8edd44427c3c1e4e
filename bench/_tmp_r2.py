import asyncio
from bench.slack_reactions_bench import *
from bench.slack_bed import slack_bed
from bench._common import redis_url

async def main():
    with redis_url() as url:
        async with slack_bed(url) as bed:
            channel = ChannelRef(platform="slack", channel_id=CHANNEL)
            papers = {f"{1710460800 + i}.000100": f"2403.{20000 + i:05d}" for i in range(50)}
            for ts, a in papers.items():
                await bed.app.channels.map_message(MessageRef(channel=channel, message_id=ts), a)
            seqs = workload(1000, list(papers), 64, Ledger())
            print("full", await rate(bed.url, seqs))
            orig = bed.app.reaction
            async def noop(event, platform): return None
            bed.app.reaction = noop
            seqs = workload(1000, list(papers), 64, Ledger())
            print("bolt only (same ids -> fresh?)", await rate(bed.url, seqs))
            bed.app.reaction = orig
if __name__ == "__main__":
    asyncio.run(main())

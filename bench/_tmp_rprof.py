import asyncio, cProfile, pstats
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
            seqs = workload(800, list(papers), 64, Ledger())
            prof = cProfile.Profile(); prof.enable()
            r = await rate(bed.url, seqs)
            prof.disable(); print(r)
            st = pstats.Stats(prof); st.sort_stats("tottime").print_stats(40)
if __name__ == "__main__":
    asyncio.run(main())

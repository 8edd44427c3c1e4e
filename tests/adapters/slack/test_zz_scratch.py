from tests.adapters.slack.test_commands import *
from tests.adapters.slack.conftest import *

async def test_show(bed: SlackBed) -> None:
    sentence = "Quiet-STaR teaches language models to think before speaking. "
    long_tldr = (sentence * 170).strip()
    def verbose(request):
        answer = default_respond(request)
        return {**answer, "tldr": long_tldr} if isinstance(answer, dict) else answer
    bed.h.llm.respond = verbose
    await bed.ask("2403.09629")
    for p in bed.slack.posted:
        print([ (b["type"], len(texts([b])[0]) if texts([b]) else 0) for b in p["blocks"]])
    print(bed.slack.ephemeral)
    bed.h.hf.add(datetime.now(UTC).date(), bed.h.arxiv.papers["2403.09629"])
    await bed.ask("digest preview")
    for p in bed.slack.ephemeral:
        print(texts(p["blocks"]))

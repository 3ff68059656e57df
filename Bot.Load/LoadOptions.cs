
namespace HandoffBot.Load;

/// <summary>Command-line options of the handoff load tool.</summary>
internal sealed record LoadOptions(int Conversations, int Rounds, TimeSpan Warmup, TimeSpan Think, int Agents, TimeSpan Timeout, TimeSpan TriggerWindow, FleetOptions Fleet)
{
    public const string Usage = """
        Usage: Bot.Load [--conversations 500] [--rounds 3] [--think-ms 0] [--trigger-window-ms 1000] [--warmup 30] [--agents 50] [--timeout 30] [--bot-dll <path>] [--keep-log <file>]
                        [--provider sqlite|postgres] [--instances 1] [--postgres <connection string>]
          --conversations  concurrent customer conversations per round
          --rounds         measured rounds (fresh conversation ids each round)
          --think-ms       0: burst, every customer sends its next turn as soon as the reply arrives, so all of them ask
                           for a person within the same moment; N: customers pause a random 0.5N-1.5N ms between turns and
                           start at a random moment within the first N ms (steady traffic from that many open conversations)
          --trigger-window-ms  N: every conversation has its routine turns first, then each customer asks for a person
                           at a random moment within N ms (the default with --think-ms 0 is 1000: the burst, 500 triggers
                           within a second); 0 (the default with --think-ms above 0): each customer asks for a person
                           right after its own routine turns (with --think-ms 0 the triggers queue behind the other
                           customers' questions: the zero-think closed loop, a throughput test)
          --warmup         at least this many seconds of discarded rounds first (0: none), then more until the bots' JIT
                           has settled (at most 180 s more; the line after the warm-up says how it ended)
          --agents         agents configured in the bot (capacity per agent is raised so every handoff can be offered)
          --timeout        seconds to wait for each reply and each handoff.initiate before counting it missing
          with --instances N each customer's turns go round robin over the instances, one request to the next
        """ + "\n" + FleetOptions.Usage;

    public static LoadOptions? Parse(string[] args)
    {
        int conversations = 500, rounds = 3, warmup = 30, think = 0, agents = 50, timeout = 30;
        int? window = null;
        var fleet = new FleetOptions();
        if (!CommandLine.Read(args, fleet, (name, value) => name switch
        {
            "--conversations" => CommandLine.Int(value, 1, 10_000, out conversations),
            "--rounds" => CommandLine.Int(value, 1, 100, out rounds),
            "--warmup" => CommandLine.Int(value, 0, 600, out warmup),
            "--think-ms" => CommandLine.Int(value, 0, 60_000, out think),
            "--trigger-window-ms" => CommandLine.Int(value, 0, 600_000, out var given) && (window = given) is not null,
            "--agents" => CommandLine.Int(value, 1, 1_000, out agents),
            "--timeout" => CommandLine.Int(value, 1, 600, out timeout),
            _ => false,
        }))
        {
            return null;
        }
        window ??= think == 0 ? 1000 : 0; // the burst of the issue unless the customers pause (steady traffic)
        return new LoadOptions(conversations, rounds, TimeSpan.FromSeconds(warmup), TimeSpan.FromMilliseconds(think), agents, TimeSpan.FromSeconds(timeout), TimeSpan.FromMilliseconds(window.Value), fleet);
    }

}

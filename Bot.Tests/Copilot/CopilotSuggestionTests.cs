using HandoffBot.Assistant;
using HandoffBot.Copilot;
using HandoffBot.Escalation.Embedding;
using HandoffBot.Tests.Handoff;
using Microsoft.Extensions.Logging.Abstractions;

namespace HandoffBot.Tests.Copilot;

/// <summary>The co-pilot's suggestions from the shipped knowledge base and playbooks, with the bot's own sentence encoder.</summary>
public sealed class CopilotSuggestionTests
{
    private static readonly Lazy<(LocalCopilot Copilot, KnowledgeBase Knowledge, PlaybookLibrary Playbooks)> Shared = new(() =>
    {
        var knowledge = KnowledgeBase.Load(Path.Combine(AppContext.BaseDirectory, "Knowledge", "retail-kb.json"));
        var playbooks = PlaybookLibrary.Load(Path.Combine(AppContext.BaseDirectory, "Knowledge"));
        return (new LocalCopilot(knowledge, playbooks, new MiniLmEmbedder()), knowledge, playbooks);
    });

    private static LocalCopilot Local => Shared.Value.Copilot;

    private static string Answer(string entryId) => Shared.Value.Knowledge.Entries.Single(e => e.Id == entryId).Answer;

    private static CopilotContext Context(string category, params (string Who, string Text)[] lines) =>
        new([.. lines.Select(l => new CopilotLine(l.Who, l.Text))], category, "en");

    [Fact]
    public async Task ABillingDisputeGetsItsPlaybooksStepsWithTheirSourcesAndTheirReplies()
    {
        var context = Context("billing_dispute",
            (CopilotLine.Customer, "I was charged twice for order 48213, two payments of $89"),
            (CopilotLine.Assistant, Answer("payment-timing")),
            (CopilotLine.Customer, "both are real charges. I want the second one refunded"));

        var suggestions = await Local.SuggestAsync(context, 3, CancellationToken.None);

        Assert.Equal(3, suggestions.Count);
        var top = suggestions[0];
        Assert.StartsWith("playbook:billing_dispute/", top.Source.Ref, StringComparison.Ordinal);
        Assert.Equal(CopilotSource.Playbook, top.Source.Kind);
        var step = Shared.Value.Playbooks.For("en").Single(p => p.Id == "billing_dispute").Steps.Single(s => top.Source.Ref.EndsWith("/" + s.Id, StringComparison.Ordinal));
        Assert.Equal(step.Reply, top.Text);
        Assert.Contains(step.Step, top.Source.Title, StringComparison.Ordinal);
        Assert.All(suggestions, s => Assert.Equal(CopilotSuggestion.LocalOrigin, s.Origin));
        Assert.True(suggestions.Zip(suggestions.Skip(1)).All(p => p.First.Score >= p.Second.Score), "best first");
    }

    [Fact]
    public void TheKnowledgeBaseAnswerTheAssistantAlreadyGaveIsNeverSuggested()
    {
        (string, string) question = (CopilotLine.Customer, "when will I get my refund for the return");
        var before = Local.Rank(Context("none", question), CancellationToken.None);
        Assert.Equal("kb:refund-timing", before.First(s => s.Source.Kind == CopilotSource.KnowledgeBase).Source.Ref);

        var after = Local.Rank(Context("none", question, (CopilotLine.Assistant, Answer("refund-timing")),
            (CopilotLine.Customer, "that did not help, it has been three weeks")), CancellationToken.None);

        Assert.DoesNotContain(after, s => s.Source.Ref == "kb:refund-timing");
        Assert.DoesNotContain(after, s => s.Text == Answer("refund-timing"));
    }

    [Fact]
    public void AStepTheAgentAlreadySentIsNotSuggestedAgainAndTheNextStepOfItsPlaybookMovesUp()
    {
        var playbook = Shared.Value.Playbooks.For("en").Single(p => p.Id == "fraud");
        (string, string) customer = (CopilotLine.Customer, "someone hacked my account and placed orders I didn't make");
        var first = Local.Rank(Context("fraud", customer), CancellationToken.None);
        var sent = playbook.Steps[0];
        var secondBefore = first.First(s => s.Source.Ref == "playbook:fraud/" + playbook.Steps[1].Id).Score;

        var next = Local.Rank(Context("fraud", customer, (CopilotLine.Agent, sent.Reply)), CancellationToken.None);

        Assert.DoesNotContain(next, s => s.Source.Ref == "playbook:fraud/" + sent.Id);
        Assert.True(next.First(s => s.Source.Ref == "playbook:fraud/" + playbook.Steps[1].Id).Score > secondBefore);
    }

    [Fact]
    public async Task AGermanHandoffGetsTheGermanPlaybookUnderTheSameSource()
    {
        var context = new CopilotContext([new CopilotLine(CopilotLine.Customer, "Mir wurde die Bestellung zweimal abgebucht, bitte erstatten Sie eine Zahlung")], "billing_dispute", "de-DE");

        var top = (await Local.SuggestAsync(context, 1, CancellationToken.None)).Single();

        var german = Shared.Value.Playbooks.For("de").SelectMany(p => p.Steps.Select(s => (Ref: CopilotSource.PlaybookRef(p.Id, s.Id), s.Reply)));
        Assert.Contains((top.Source.Ref, top.Text), german);
        Assert.StartsWith("playbook:billing_dispute/", top.Source.Ref, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConfiguredChatClientDraftsFromTheGroundingAndEachDraftCitesItsSource()
    {
        var context = Context("billing_dispute", (CopilotLine.Customer, "I was charged twice for my order, please refund one payment"));
        var grounding = Local.Rank(context, CancellationToken.None);
        var chat = new FakeChatClient(_ => "[2] Drafted from the second source.\n[9] Cites nothing we gave it.\n[1] Drafted from the first, card 4111 1111 1111 1111.");
        var copilot = new ChatClientCopilot(chat, Local, TimeProvider.System, NullLogger<ChatClientCopilot>.Instance);

        var drafts = await copilot.SuggestAsync(context, 3, CancellationToken.None);

        Assert.Equal(["Drafted from the second source.", "Drafted from the first, card [card ****1111]."], drafts.Select(d => d.Text));
        Assert.Equal([grounding[1].Source, grounding[0].Source], drafts.Select(d => d.Source));
        Assert.All(drafts, d => Assert.Equal(CopilotSuggestion.ModelOrigin, d.Origin));
        Assert.Contains(grounding[0].Text, chat.LastPrompt, StringComparison.Ordinal);
        Assert.Contains("charged twice", chat.LastPrompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheModelFailsOrCitesNothingTheLocalSuggestionsAreUsed()
    {
        var context = Context("fraud", (CopilotLine.Customer, "my card was stolen and used in your shop"));
        var local = await Local.SuggestAsync(context, 3, CancellationToken.None);

        var failing = new ChatClientCopilot(new FakeChatClient(_ => throw new HttpRequestException("model down")), Local, TimeProvider.System, NullLogger<ChatClientCopilot>.Instance);
        var uncited = new ChatClientCopilot(new FakeChatClient(_ => "Sure! Here is a reply without any source."), Local, TimeProvider.System, NullLogger<ChatClientCopilot>.Instance);

        Assert.Equal(local, await failing.SuggestAsync(context, 3, CancellationToken.None));
        Assert.Equal(local, await uncited.SuggestAsync(context, 3, CancellationToken.None));
    }

    [Fact]
    public void PlaybooksInALanguageWithOtherStepsThanEnglishAreRefusedAtStartUp()
    {
        PlaybookStep Step(string id) => new(id, "Do it.", "Done.", []);
        var english = new PlaybookDocument([new Playbook("fraud", "Fraud", ["fraud"], [], [Step("verify"), Step("block")])]);
        var german = new PlaybookDocument([new Playbook("fraud", "Betrug", ["fraud"], [], [Step("verify")])]);

        var error = Assert.Throws<InvalidDataException>(() => new PlaybookLibrary(new Dictionary<string, PlaybookDocument> { ["en"] = english, ["de"] = german }));

        Assert.Contains("playbook:fraud/block", error.Message, StringComparison.Ordinal);
    }
}

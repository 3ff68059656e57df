using System.Runtime.CompilerServices;
using HandoffBot.Handoff;
using HandoffBot.Resources;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Handoff;

public sealed class HandoffPacketTests
{
    [Theory]
    [InlineData("my card 4111 1111 1111 1111 was charged twice", "my card [card ****1111] was charged twice")]
    [InlineData("card 4111-1111-1111-1111!", "card [card ****1111]!")]
    [InlineData("number 5500005555555559 please", "number [card ****5559] please")]
    [InlineData("IBAN GB82 WEST 1234 5698 7654 32 for the refund", "IBAN [IBAN ****5432] for the refund")]
    [InlineData("my ssn is 123-45-6789", "my ssn is [ID ***-**-6789]")]
    public void CardNumbersAndSimilarIdentifiersAreMasked(string text, string expected) =>
        Assert.Equal(expected, SensitiveDataMasker.Mask(text));

    [Theory]
    [InlineData("order 1234567890123 is late")] // 13 digits but not Luhn-valid
    [InlineData("call me on +1 555 0100")]
    [InlineData("tracking 4111 1111 1111 1112")]
    public void NumbersThatAreNotCardsStayReadable(string text) =>
        Assert.Equal(text, SensitiveDataMasker.Mask(text));

    private static SummaryInput Conversation() => new(
        [
            new PacketLine(null, PacketLines.Customer, "Hi there."),
            new PacketLine(null, PacketLines.Customer, "I was charged twice for order 5512. The refund never arrived."),
            new PacketLine(null, PacketLines.Bot, "Refunds take 5-7 business days."),
            new PacketLine(null, PacketLines.Customer, "It has been three weeks and I was still charged twice."),
            new PacketLine(null, PacketLines.Customer, "let me talk to a person"),
        ],
        "The customer asked for a person.",
        "billing_dispute",
        "I was charged twice for order 5512.");

    private static readonly JsonCopy Copy = new(Path.Combine(AppContext.BaseDirectory, "Resources", "Copy"));

    internal static ExtractiveSummarizer Extractive(string locale = "en") =>
        new(Copy, Options.Create(new HandoffOptions { Hub = new HubOptions { Locale = locale } }));

    [Fact]
    public void TheSummarySaysTheIssueWhatWasTriedAndWhatTheCustomerWantsInThreeSentencesWithoutSmallTalk()
    {
        var input = Conversation() with
        {
            Conversation = [.. Conversation().Conversation, new PacketLine(null, PacketLines.Customer, "Thanks! Please refund the second payment to my card.")],
            Tried = [new PacketAssistantAnswer("when is my refund", "Refunds take 5-7 business days. Check Account > Orders.", 0.9, true)],
        };

        var summary = Extractive().Summarize(input);

        Assert.StartsWith(Copy.Get("en", "summary.issue", ("issue", "")), summary, StringComparison.Ordinal);
        Assert.Contains("charged twice", summary, StringComparison.Ordinal);
        Assert.Contains(Copy.Get("en", "summary.tried", ("answer", "Refunds take 5-7 business days.")), summary, StringComparison.Ordinal);
        Assert.Contains(Copy.Get("en", "summary.wants", ("ask", "Please refund the second payment to my card.")), summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Hi there", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Thanks", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("talk to a person", summary, StringComparison.Ordinal);
        Assert.Equal(3, summary.Split(". ").Length);
    }

    [Fact]
    public void WithoutARequestOrAnAnswerTheSummarySaysSoAndIsInTheAgentsLanguage()
    {
        var summary = Extractive("de").Summarize(Conversation());

        Assert.Contains(Copy.Get("de", "summary.triedNothing"), summary, StringComparison.Ordinal);
        Assert.Contains(Copy.Get("de", "summary.wantsPerson", ("reason", "The customer asked for a person")), summary, StringComparison.Ordinal);
        Assert.Contains("charged twice", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConfiguredChatClientWritesTheSummaryAndSeesTheConversation()
    {
        var chat = new FakeChatClient(_ => "Customer was double-charged for order 5512 and wants the refund now.");
        var summarizer = new ChatClientSummarizer(chat, Extractive(), NullLogger<ChatClientSummarizer>.Instance);

        var summary = await summarizer.SummarizeAsync(Conversation(), CancellationToken.None);

        Assert.Equal(ChatClientSummarizer.SourceName, summary.Source);
        Assert.Equal("Customer was double-charged for order 5512 and wants the refund now.", summary.Text);
        Assert.Contains("charged twice for order 5512", chat.LastPrompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheModelFailsTheExtractiveSummaryIsUsed()
    {
        var summarizer = new ChatClientSummarizer(new FakeChatClient(_ => throw new HttpRequestException("model down")), Extractive(), NullLogger<ChatClientSummarizer>.Instance);

        var summary = await summarizer.SummarizeAsync(Conversation(), CancellationToken.None);

        Assert.Equal(ExtractiveSummarizer.SourceName, summary.Source);
        Assert.Contains("charged twice", summary.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACardNumberTheModelRepeatsIsMasked()
    {
        var summarizer = new ChatClientSummarizer(new FakeChatClient(_ => "Card 4111 1111 1111 1111 was charged twice."), Extractive(), NullLogger<ChatClientSummarizer>.Instance);

        var summary = await summarizer.SummarizeAsync(Conversation(), CancellationToken.None);

        Assert.Equal("Card [card ****1111] was charged twice.", summary.Text);
    }
}

/// <summary>An <see cref="IChatClient"/> that answers from a function and remembers the prompt.</summary>
internal sealed class FakeChatClient(Func<string, string> answer, Task? answersAfter = null) : IChatClient
{
    public string LastPrompt { get; private set; } = string.Empty;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        LastPrompt = string.Join("\n", messages.Select(m => m.Text));
        if (answersAfter is not null)
        {
            await answersAfter.WaitAsync(cancellationToken);
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer(LastPrompt)));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

using HandoffBot.Escalation;
using HandoffBot.Escalation.Sentiment;

namespace HandoffBot.Tests.Escalation.Sentiment;

public sealed class VaderSentimentAnalyzerTests
{
    private static readonly VaderLexicon Lexicon = VaderLexicon.Load(Path.Combine(AppContext.BaseDirectory, "Lexicon", "vader_lexicon.txt"));
    private static readonly VaderSentimentAnalyzer Analyzer = new(Lexicon, CustomerServiceCues.Create(null));
    private static readonly VaderSentimentAnalyzer Plain = new(Lexicon, cues: null);

    private static double Compound(string text) => Plain.Analyze(text).Compound;

    [Fact]
    public void TheLexiconFromTheNpmPackageIsCopiedBesideTheApplication()
    {
        Assert.True(Lexicon.Count > 7000);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "Lexicon", "LICENSE")));
        Assert.True(Lexicon.EmojiCount == VaderLexicon.EmojiWords.Length, "every emoji of our table maps to a lexicon word");
    }

    [Fact]
    public void AMissingLexiconFailsWithAMessageThatSaysHowToGetIt()
    {
        var error = Assert.Throws<FileNotFoundException>(() => VaderLexicon.Load("/nowhere/vader_lexicon.txt"));
        Assert.Contains("vader-sentiment@1.1.3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("The agent was great and very helpful.", SentimentLabels.Positive)]
    [InlineData("This is terrible, I am really angry.", SentimentLabels.Negative)]
    [InlineData("My order number is 12345.", SentimentLabels.Neutral)]
    [InlineData("", SentimentLabels.Neutral)]
    public void ClearMessagesGetTheObviousLabel(string text, string label) =>
        Assert.Equal(label, Analyzer.Analyze(text).Sentiment);

    [Fact]
    public void NegationWithinThreeWordsFlipsTheValence()
    {
        Assert.True(Compound("The service is good") > 0.05);
        Assert.True(Compound("The service is not good") < -0.05);
        Assert.True(Compound("The service isn't very good") < -0.05);
        Assert.True(Compound("The service isn’t good") < -0.05); // typographic apostrophe
    }

    [Fact]
    public void BoostersRaiseAndDampenersLowerTheIntensity()
    {
        Assert.True(Compound("The service is extremely good") > Compound("The service is good"));
        Assert.True(Compound("The service is slightly good") < Compound("The service is good"));
    }

    [Fact]
    public void CapitalsEmphasiseOnlyWhenTheTextMixesCase()
    {
        Assert.True(Compound("The service is GOOD") > Compound("The service is good"));
        Assert.Equal(Compound("THE SERVICE IS GOOD"), Compound("the service is good"), 6);
    }

    [Fact]
    public void ExclamationMarksAmplifyAndQuestionMarksToo()
    {
        Assert.True(Compound("The service is good!!!") > Compound("The service is good"));
        Assert.True(Compound("Why is this so bad??") < Compound("Why is this so bad"));
    }

    [Fact]
    public void WhatFollowsButOutweighsWhatPrecedesIt()
    {
        Assert.True(Compound("The food was great but the service was terrible") < 0);
        Assert.True(Compound("The food was terrible but the service was great") > 0);
    }

    [Fact]
    public void LeastNegatesUnlessItIsAtLeast()
    {
        Assert.True(Compound("the least helpful agent") < 0);
        Assert.True(Compound("at least helpful") > 0);
    }

    [Fact]
    public void IdiomsAndEmojiCarrySentiment()
    {
        Assert.True(Compound("yeah right") < 0);
        Assert.True(Compound("thanks 😀👍") > 0.5);
        Assert.True(Compound("my parcel is lost 😡") < Compound("my parcel is lost"));
        Assert.True(Compound("ok😊") > 0);
    }

    [Fact]
    public void ScoresAreProportionsAndCompoundIsWithinOne()
    {
        var result = Analyzer.Analyze("I LOVE this!!! Absolutely wonderful, amazing, perfect, fantastic service!!!!");
        var scores = result.ConfidenceScores;
        Assert.Equal(1.0, scores.Positive + scores.Neutral + scores.Negative, 6);
        Assert.InRange(result.Compound, 0.9, 1.0);
        Assert.Equal("Local", result.Source);
    }

    [Fact]
    public void SentencesCarryUtf16OffsetsIntoTheOriginalText()
    {
        const string text = "😀 Thanks for the refund!  But my second order is still missing and I am angry.\nOrder 42.";
        var result = Analyzer.Analyze(text);
        Assert.Equal(3, result.Sentences.Count);
        foreach (var sentence in result.Sentences)
        {
            Assert.Equal(sentence.Text, text.Substring(sentence.Offset, sentence.Length));
        }
        Assert.Equal(0, result.Sentences[0].Offset);
        Assert.Equal("😀 Thanks for the refund!", result.Sentences[0].Text);
        Assert.Equal(SentimentLabels.Positive, result.Sentences[0].Sentiment);
        Assert.Equal(SentimentLabels.Negative, result.Sentences[1].Sentiment);
        Assert.Equal(SentimentLabels.Neutral, result.Sentences[2].Sentiment);
        Assert.Equal(SentimentLabels.Mixed, result.Sentiment);
    }

    [Fact]
    public void ASingleSentenceMessageIsOneSentenceCoveringIt()
    {
        var result = Analyzer.Analyze("Where is my parcel?");
        var sentence = Assert.Single(result.Sentences);
        Assert.Equal((0, 19), (sentence.Offset, sentence.Length));
    }

    [Fact]
    public async Task TheBatchAnswersInOrder()
    {
        var results = await Analyzer.AnalyzeBatchAsync(["great", "awful", "parcel"], "en", CancellationToken.None);
        Assert.Equal([SentimentLabels.Positive, SentimentLabels.Negative, SentimentLabels.Neutral], results.Select(r => r.Sentiment));
    }

    /// <summary>
    /// The labelled check of the customer-service cues: frustrated customers' messages that plain VADER reads as
    /// neutral or positive, and ordinary ones that must stay as they are.
    /// </summary>
    public static TheoryData<string, string> CustomerMessages => new()
    {
        { "This is the third time I am writing to you about this.", SentimentLabels.Negative },
        { "My internet is still not fixed after two weeks.", SentimentLabels.Negative },
        { "Honestly this chat is a waste of time.", SentimentLabels.Negative },
        { "I want to cancel my account today.", SentimentLabels.Negative },
        { "Still waiting for the refund you promised.", SentimentLabels.Negative },
        { "I was charged twice for one order.", SentimentLabels.Negative },
        { "The app keeps crashing when I pay.", SentimentLabels.Negative },
        { "Fed up with calling every day.", SentimentLabels.Negative },
        { "Thanks, that fixed it, great help!", SentimentLabels.Positive },
        { "Can you tell me my order status?", SentimentLabels.Neutral },
        { "It was not a waste of time at all, thank you.", SentimentLabels.Positive },
        { "I moved, my new delivery address is 5 Elm Street.", SentimentLabels.Neutral },
    };

    [Theory]
    [MemberData(nameof(CustomerMessages))]
    public void CustomerServiceCuesReadFrustratedCustomersRight(string text, string label) =>
        Assert.Equal(label, Analyzer.Analyze(text).Sentiment);

    [Fact]
    public void CustomerServiceCuesGetMoreOfTheLabelledMessagesRightThanPlainVader()
    {
        var messages = CustomerMessages.Select(row => ((string)row[0], (string)row[1])).ToList();
        var withCues = messages.Count(m => Analyzer.Analyze(m.Item1).Sentiment == m.Item2);
        var without = messages.Count(m => Plain.Analyze(m.Item1).Sentiment == m.Item2);
        Assert.Equal(messages.Count, withCues);
        Assert.True(without <= messages.Count - 5, $"plain VADER got {without} of {messages.Count} right");
    }

    [Fact]
    public void ExtraCuesFromConfigurationAddPhrases()
    {
        var analyzer = new VaderSentimentAnalyzer(Lexicon, CustomerServiceCues.Create(new Dictionary<string, double> { ["ticket closed without answer"] = -2.5 }));
        Assert.Equal(SentimentLabels.Negative, analyzer.Analyze("My ticket closed without answer").Sentiment);
    }
}

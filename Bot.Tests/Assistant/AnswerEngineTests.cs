using HandoffBot.Assistant;
using HandoffBot.Assistant.Classification;
using Xunit.Abstractions;

namespace HandoffBot.Tests.Assistant;

public sealed class AnswerEngineTests(ITestOutputHelper output)
{
    private static readonly KnowledgeBase Knowledge = KnowledgeBase.Load(Path.Combine(AppContext.BaseDirectory, "Knowledge", "retail-kb.json"));

    private static readonly Lazy<ClassifierAnswerEngine> Engine = new(() => new ClassifierAnswerEngine(Knowledge));

    /// <summary>The default Assistant:ConfidenceThreshold (see README: Assistant).</summary>
    private const double Threshold = AssistantOptions.DefaultConfidenceThreshold;

    /// <summary>Phrasings written for this test, none of them in the knowledge base's examples.</summary>
    public static readonly TheoryData<string, string> HeldOutPhrasings = new()
    {
        { "can you tell me where my order is right now", "order-status" },
        { "has my package been sent out", "order-status" },
        { "please cancel the order I just placed", "cancel-order" },
        { "I changed my mind, cancel everything I ordered", "cancel-order" },
        { "can I change the size of something I already ordered", "change-order" },
        { "I need to edit my order and add another shirt", "change-order" },
        { "I never received a confirmation email for my order", "order-confirmation" },
        { "not sure if my order was placed, no email came", "order-confirmation" },
        { "my box arrived but one item is missing", "missing-item" },
        { "the parcel came without the hat I ordered, it's missing", "missing-item" },
        { "the jacket I got is damaged", "wrong-or-damaged-item" },
        { "you delivered the wrong item to me", "wrong-or-damaged-item" },
        { "can I buy something as a guest without an account", "guest-checkout" },
        { "is it possible to check out without registering", "guest-checkout" },
        { "how many days will delivery take", "delivery-times" },
        { "when should I expect my delivery if I order now", "delivery-times" },
        { "what do you charge for delivery", "delivery-costs" },
        { "is shipping free if I spend more than 50 dollars", "delivery-costs" },
        { "do you deliver to australia", "international-shipping" },
        { "can I get my order shipped to another country", "international-shipping" },
        { "I need to change the address for my delivery", "change-delivery-address" },
        { "can my parcel be delivered to a different address", "change-delivery-address" },
        { "my delivery is late and hasn't arrived", "late-parcel" },
        { "the tracking says delivered but there is no parcel", "late-parcel" },
        { "can I collect my parcel from a pickup point", "pickup-points" },
        { "I'd like it delivered to a parcel locker", "pickup-points" },
        { "how long do I have to return something", "return-policy" },
        { "what's the policy on returns", "return-policy" },
        { "how do I return my order and get a label", "start-return" },
        { "I want to send my jeans back, how do I start", "start-return" },
        { "can I exchange these boots for a bigger size", "exchange" },
        { "I'd like to swap my jacket for a different colour", "exchange" },
        { "is sending a return free", "return-costs" },
        { "do I need to pay postage for my return", "return-costs" },
        { "can I return items bought in the sale", "non-returnable-items" },
        { "are there items you won't take back", "non-returnable-items" },
        { "someone gave me a gift, can I return it", "gift-returns" },
        { "how do I return a present without the receipt", "gift-returns" },
        { "how long until my refund arrives", "refund-timing" },
        { "I returned my order but still haven't got my refund", "refund-timing" },
        { "will the refund go back to my card", "refund-method" },
        { "how do I get refunded if my card expired", "refund-method" },
        { "will you refund the delivery fee", "refund-delivery-fee" },
        { "do I get my shipping money back if I return everything", "refund-delivery-fee" },
        { "the price went down after I ordered", "price-adjustment" },
        { "it's on sale now, can you refund the difference", "price-adjustment" },
        { "which payment methods can I use", "payment-methods" },
        { "can I pay using paypal or apple pay", "payment-methods" },
        { "my card keeps getting declined", "payment-declined" },
        { "the payment won't go through", "payment-declined" },
        { "can I split the cost into instalments", "pay-in-instalments" },
        { "do you offer pay later options", "pay-in-instalments" },
        { "when will my card be charged for the order", "payment-timing" },
        { "there's a pending charge on my card", "payment-timing" },
        { "please send me an invoice for my order", "invoice" },
        { "where do I get a receipt", "invoice" },
        { "is tax included in your prices", "sales-tax" },
        { "why did you add sales tax", "sales-tax" },
        { "I can't remember my password", "reset-password" },
        { "how do I reset the password on my account", "reset-password" },
        { "I want to sign up for an account", "create-account" },
        { "how can I register with you", "create-account" },
        { "how do I change the email on my account", "update-details" },
        { "I need to update my phone number", "update-details" },
        { "please delete my account", "delete-account" },
        { "how do I close my account and remove my data", "delete-account" },
        { "I want to unsubscribe from your newsletter", "email-preferences" },
        { "stop emailing me promotions", "email-preferences" },
        { "how do I remove my saved card", "saved-cards" },
        { "can I change the default card on my account", "saved-cards" },
        { "is there a discount code I can use", "promo-codes" },
        { "my voucher code doesn't work", "promo-codes" },
        { "can I buy a gift card for my sister", "gift-cards" },
        { "how do I check the balance of my gift card", "gift-cards" },
        { "which size should I order", "sizing" },
        { "is there a size chart", "sizing" },
        { "how does your rewards program work", "rewards" },
        { "how do I use my loyalty points", "rewards" },
        { "when will this jacket be back in stock", "back-in-stock" },
        { "my size is out of stock, will you restock it", "back-in-stock" },
        { "do you have a store I can visit", "stores" },
        { "where is your nearest shop", "stores" },
        { "is there a warranty on your jackets", "warranty" },
        { "my tent zip broke, can I claim under warranty", "warranty" },
    };

    private static readonly string[] OutOfDomainQuestions =
    [
        "what's the weather on Mars",
        "purple elephants sing opera at midnight",
        "asdf qwerty zxcv",
        "who won the football match last night",
        "tell me a joke about penguins",
        "what is the capital of Australia",
        "how do I bake sourdough bread",
        "lorem ipsum dolor sit amet",
    ];

    public static TheoryData<string> OutOfDomain => new(OutOfDomainQuestions);

    [Fact]
    public void KnowledgeBaseAnswersItsOwnHeldOutParaphrasesWithHighConfidence()
    {
        var results = HeldOutPhrasings.Select(row => (Expected: (string)row[1], Answer: Engine.Value.Answer((string)row[0]))).ToList();
        var right = results.Count(r => r.Answer.Entry?.Id == r.Expected);
        var answeredRight = results.Count(r => r.Answer.Entry?.Id == r.Expected && r.Answer.Confidence >= Threshold);
        var answeredWrong = results.Count(r => r.Answer.Entry?.Id != r.Expected && r.Answer.Confidence >= Threshold);

        output.WriteLine($"{right}/{results.Count} right, {answeredRight} answered right and {answeredWrong} answered wrong at {Threshold}");
        Assert.True(right >= 0.9 * results.Count, $"only {right} of {results.Count} held-out phrasings got the right entry");
        Assert.True(answeredRight >= 0.8 * results.Count, $"only {answeredRight} of {results.Count} were answered right above the threshold");
        Assert.True(answeredWrong <= 0.05 * results.Count, $"{answeredWrong} of {results.Count} were answered wrongly above the threshold");
    }

    [Theory]
    [MemberData(nameof(OutOfDomain))]
    public void NonsenseAndOutOfDomainQuestionsGetLowConfidence(string question)
    {
        var answer = Engine.Value.Answer(question);

        output.WriteLine($"{answer.Confidence:F3} {answer.Entry?.Id}");
        Assert.True(answer.Confidence < 0.5, $"'{question}' got {answer.Confidence:F3} for '{answer.Entry?.Id}'");
    }

    [Fact]
    public void ConfidenceOnHeldOutPhrasingsIsNotSystematicallyAboveAccuracy()
    {
        var results = HeldOutPhrasings.Select(row => (Expected: (string)row[1], Answer: Engine.Value.Answer((string)row[0]))).ToList();
        var accuracy = results.Average(r => r.Answer.Entry?.Id == r.Expected ? 1.0 : 0.0);
        var meanConfidence = results.Average(r => r.Answer.Confidence);
        var ece = Calibration.ExpectedCalibrationError([.. results.Select(r => (r.Answer.Confidence, r.Answer.Entry?.Id == r.Expected))], bins: 5);

        output.WriteLine($"accuracy {accuracy:F3}, mean confidence {meanConfidence:F3}, ECE {ece:F3}");
        Assert.True(meanConfidence <= accuracy + 0.05, $"mean confidence {meanConfidence:F3} above accuracy {accuracy:F3}");
        Assert.True(ece < 0.15, $"expected calibration error {ece:F3}");
    }

    [Fact]
    public void TrainingTwiceGivesTheSameModel()
    {
        var first = new ClassifierAnswerEngine(Knowledge);
        var second = new ClassifierAnswerEngine(Knowledge);

        Assert.Equal(first.Classifier.Temperature, second.Classifier.Temperature);
        foreach (var text in HeldOutPhrasings.Select(row => (string)row[0]).Concat(OutOfDomainQuestions))
        {
            var a = new float[first.Classifier.ClassCount];
            var b = new float[second.Classifier.ClassCount];
            first.Classifier.ComputeLogits(text, a);
            second.Classifier.ComputeLogits(text, b);
            Assert.Equal(a, b);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("?!? ... :-)")]
    public void MessagesWithoutWordsGetNoAnswerAndZeroConfidence(string question)
    {
        var answer = Engine.Value.Answer(question);

        Assert.Null(answer.Entry);
        Assert.Equal(0, answer.Confidence);
    }

    [Fact]
    public void CaseApostrophesAndDigitsDoNotChangeTheAnswer()
    {
        var plain = Engine.Value.Answer("wheres my order 12345");
        var shouted = Engine.Value.Answer("WHERE'S MY ORDER 67890?!");

        Assert.Equal("order-status", plain.Entry?.Id);
        Assert.Equal(plain, shouted);
    }

    [Fact]
    public void AKnowledgeBaseWithOneEntryIsRejectedWithAClearMessage()
    {
        var single = new KnowledgeBase(new KnowledgeBaseDocument("one", [Knowledge.Entries[0]]));

        var error = Assert.Throws<InvalidDataException>(() => new ClassifierAnswerEngine(single));
        Assert.Contains("at least two entries", error.Message, StringComparison.Ordinal);
    }
}

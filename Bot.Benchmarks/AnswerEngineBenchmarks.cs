using BenchmarkDotNet.Attributes;
using HandoffBot.Assistant;

namespace HandoffBot.Benchmarks;

/// <summary>
/// The assistant's answer engine on the shipped knowledge base: answering one typical customer message, and
/// training at start-up (5-fold calibration included).
/// </summary>
[MemoryDiagnoser]
public class AnswerEngineBenchmarks
{
    private KnowledgeBase _knowledge = null!;
    private ClassifierAnswerEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _knowledge = KnowledgeBase.Load(Path.Combine(AppContext.BaseDirectory, "Knowledge", "retail-kb.json"));
        _engine = new ClassifierAnswerEngine(_knowledge);
    }

    [Benchmark]
    public AnswerResult Answer() => _engine.Answer("Hi, I sent my jacket back last week and still haven't got my refund, when will it arrive?");

    [Benchmark]
    public IAnswerEngine TrainOnKnowledgeBase() => new ClassifierAnswerEngine(_knowledge);
}

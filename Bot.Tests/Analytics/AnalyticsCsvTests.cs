using HandoffBot.Analytics;

namespace HandoffBot.Tests.Analytics;

public sealed class AnalyticsCsvTests
{
    [Theory]
    [InlineData("billing", "billing")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("-1+2", "'-1+2")]
    public void TextCellsAreQuotedAndFormulasDefused(string text, string cell) => Assert.Equal(cell, AnalyticsCsv.Cell(text));
}

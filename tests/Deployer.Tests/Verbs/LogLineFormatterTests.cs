using Aspire.Deployer.Verbs;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>node-app's JSON lines (and the common shapes of other Node loggers) are shown as time, level, message, fields and trace id; anything else as written.</summary>
public sealed class LogLineFormatterTests
{
    [Theory]
    [InlineData("""{"time":"2026-12-01T10:00:00.000Z","level":"info","msg":"request","method":"GET","path":"/","status":200,"durationMs":1.5,"traceId":"abc","spanId":"def"}""",
        "INFO  request method=GET path=/ status=200 durationMs=1.5 trace=abc")]
    [InlineData("""{"time":"t","level":"error","msg":"request failed","err":{"type":"TypeError","message":"x is not a function","stack":"TypeError: ..."}}""",
        "ERROR request failed err=\"TypeError: x is not a function\"")]
    [InlineData("""{"severity":"warn","message":"slow upstream","upstream":"db one","trace_id":"t1"}""", "WARN  slow upstream upstream=\"db one\" trace=t1")]
    [InlineData("""{"level":"info","msg":"nested","data":{"a":[1,2]}}""", """INFO  nested data={"a":[1,2]}""")]
    [InlineData("plain text", "plain text")]
    [InlineData("""{"not":"a log record"}""", """{"not":"a log record"}""")]
    [InlineData("{broken json", "{broken json")]
    public void Readable_StructuredLine_IsUnpackedAndAnyOtherLineKept(string line, string expected) =>
        Assert.Equal(expected, LogLineFormatter.Readable(line));

    [Fact]
    public void Format_PrefixesTheEventTimeAndTheShortTaskId_AndTheResourceWhenSeveralAreShown()
    {
        var line = new LogLine("web", "web/web/0123456789abcdef0123456789abcdef", DateTimeOffset.Parse("2026-12-01T10:00:01.234Z", System.Globalization.CultureInfo.InvariantCulture), "hello\n", "1");

        Assert.Equal("2026-12-01 10:00:01.234Z 01234567 hello", new LogLineFormatter(showResource: false).Format(line));
        Assert.Equal("2026-12-01 10:00:01.234Z web/01234567 hello", new LogLineFormatter(showResource: true).Format(line));
    }
}

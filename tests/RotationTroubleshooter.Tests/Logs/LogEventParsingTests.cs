namespace RotationTroubleshooter.Tests.Logs;

public class LogEventParsingTests
{
    private static readonly DateTime T = new(2026, 11, 20, 3, 0, 0, DateTimeKind.Utc);
    private const string Id = "5e5f6a7b-1c2d-4e3f-8a9b-0c1d2e3f4a5b";

    [Fact]
    public void Text_platform_records()
    {
        var start = new LogEvent(T, $"START RequestId: {Id} Version: $LATEST\n");
        Assert.Equal((LogEventKind.Start, Id), (start.Kind, start.RequestId));
        Assert.Equal($"START RequestId: {Id} Version: $LATEST", start.Message);

        var report = new LogEvent(T, $"REPORT RequestId: {Id}\tDuration: 1234.56 ms\tBilled Duration: 1235 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 412.10 ms\t");
        Assert.Equal((LogEventKind.Report, Id, 1234.56, (string?)null), (report.Kind, report.RequestId, report.DurationMs, report.Status));

        var timedOut = new LogEvent(T, $"REPORT RequestId: {Id}\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tStatus: timeout");
        Assert.Equal("timeout", timedOut.Status);

        var timeout = new LogEvent(T, $"2026-11-20T03:00:30.030Z {Id} Task timed out after 30.03 seconds");
        Assert.Equal((LogEventKind.Timeout, Id, 30030.0), (timeout.Kind, timeout.RequestId, timeout.DurationMs));
    }

    [Fact]
    public void Text_function_records()
    {
        var info = new LogEvent(T, $"[INFO]\t2026-11-20T03:00:00.123Z\t{Id}\tFound credentials in environment variables.\n");
        Assert.Equal((LogEventKind.Function, Id, "INFO", "Found credentials in environment variables."), (info.Kind, info.RequestId, info.Level, info.Text));
        Assert.Null(info.ErrorType);

        var unhandled = new LogEvent(T, "[ERROR] KeyError: 'masterarn'\nTraceback (most recent call last):\n  File \"/var/task/lambda_function.py\", line 70");
        Assert.Equal((LogEventKind.Function, (string?)null, "ERROR", "KeyError"), (unhandled.Kind, unhandled.RequestId, unhandled.Level, unhandled.ErrorType));

        var import = new LogEvent(T, "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'");
        Assert.Equal("Runtime.ImportModuleError", import.ErrorType);

        var spaced = new LogEvent(T, $"[INFO] 2026-11-20T03:00:00.123Z {Id} createSecret: done");
        Assert.Equal((Id, "createSecret: done"), (spaced.RequestId, spaced.Text));
    }

    [Fact]
    public void Json_records()
    {
        var fn = new LogEvent(T, $"{{\"timestamp\":\"2026-11-20T03:00:00Z\",\"level\":\"INFO\",\"message\":\"setSecret: ok\",\"logger\":\"root\",\"requestId\":\"{Id}\"}}");
        Assert.Equal((LogEventKind.Function, Id, "INFO", "setSecret: ok"), (fn.Kind, fn.RequestId, fn.Level, fn.Text));

        var error = new LogEvent(T, $"{{\"timestamp\":\"2026-11-20T03:00:00Z\",\"level\":\"ERROR\",\"message\":{{\"errorMessage\":\"'masterarn'\",\"errorType\":\"KeyError\",\"requestId\":\"{Id}\",\"stackTrace\":[]}},\"requestId\":\"{Id}\"}}");
        Assert.Equal(("KeyError", "KeyError: 'masterarn'"), (error.ErrorType, error.Text));

        var report = new LogEvent(T, $"{{\"time\":\"2026-11-20T03:00:30.000Z\",\"type\":\"platform.report\",\"record\":{{\"requestId\":\"{Id}\",\"metrics\":{{\"durationMs\":30000.0,\"billedDurationMs\":30000}},\"status\":\"timeout\"}}}}");
        Assert.Equal((LogEventKind.Report, Id, 30000.0, "timeout"), (report.Kind, report.RequestId, report.DurationMs, report.Status));

        var start = new LogEvent(T, $"{{\"time\":\"2026-11-20T03:00:00.000Z\",\"type\":\"platform.start\",\"record\":{{\"requestId\":\"{Id}\",\"version\":\"$LATEST\"}}}}");
        Assert.Equal((LogEventKind.Start, Id), (start.Kind, start.RequestId));

        var structured = new LogEvent(T, $"{{\"timestamp\":\"2026-11-20T03:00:00Z\",\"level\":\"INFO\",\"message\":{{\"step\":\"setSecret\",\"n\":2}},\"requestId\":\"{Id}\"}}");
        Assert.Equal("{\"step\":\"setSecret\",\"n\":2}", structured.Text);

        var init = new LogEvent(T, "{\"time\":\"2026-11-20T03:00:00.000Z\",\"type\":\"platform.initStart\",\"record\":{\"initializationType\":\"on-demand\"}}");
        Assert.Equal(LogEventKind.Platform, init.Kind);
    }

    [Fact]
    public void Not_lambda_shapes_are_text()
    {
        Assert.Equal(LogEventKind.Text, new LogEvent(T, "hello").Kind);
        Assert.Equal(LogEventKind.Text, new LogEvent(T, "{\"half\": ").Kind);
        Assert.Equal(LogEventKind.Text, new LogEvent(T, "[not a level] x").Kind);
        Assert.Equal(LogEventKind.Text, new LogEvent(T, "").Kind);
    }

    [Fact]
    public void Local_times_become_UTC()
    {
        var local = new DateTime(2026, 11, 20, 3, 0, 0, DateTimeKind.Local);
        var e = new LogEvent(local, "x");
        Assert.Equal(DateTimeKind.Utc, e.Timestamp.Kind);
        Assert.Equal(local.ToUniversalTime(), e.Timestamp);
        Assert.Equal(T, LogEvent.FromEpochMilliseconds((long)(T - DateTime.UnixEpoch).TotalMilliseconds, "x").Timestamp);
    }

    [Theory]
    [InlineData("secret {\"username\": \"app\", \"password\": \"pa55word\"}", "secret {\"username\": \"app\", \"password\": \"***\"}")]
    [InlineData("{'password': 'pa55word', 'host': 'db'}", "{'password': '***', 'host': 'db'}")]
    [InlineData("PGPASSWORD=pa55word psql", "PGPASSWORD=*** psql")]
    [InlineData("{\"message\":\"got {\\\"password\\\": \\\"pa55word\\\"}\"}", "{\"message\":\"got {\\\"password\\\": \\\"***\\\"}\"}")]
    [InlineData("{\"message\":\"got {\\u0022password\\u0022: \\u0022pa55word\\u0022}\"}", "{\"message\":\"got {\\u0022password\\u0022: \\u0022***\\u0022}\"}")]
    [InlineData("setSecret: Successfully set password for user app in PostgreSQL DB", "setSecret: Successfully set password for user app in PostgreSQL DB")]
    // The forms issue 14 found coming out whole: a connection URI, pass= and "pw":, JSON printed inside JSON inside JSON,
    // a value with spaces, secret keys.
    [InlineData("connecting to postgresql://app:pa55word@db.example:5432/orders", "connecting to postgresql://app:***@db.example:5432/orders")]
    [InlineData("mysql://admin:p@ss:w0rd@db.example/x failed", "mysql://admin:***@db.example/x failed")]
    [InlineData("pass=pa55word user=app", "pass=*** user=app")]
    [InlineData("""{"pw": "pa55word", "user": "app"}""", """{"pw": "***", "user": "app"}""")]
    [InlineData("""{"message":"body {\"b\": \"{\\\"password\\\": \\\"pa55word\\\"}\"}"}""",
        """{"message":"body {\"b\": \"{\\\"password\\\": \\\"***\\\"}\"}"}""")]
    [InlineData("""got {\\\\\\\"pw\\\\\\\": \\\\\\\"pa55word\\\\\\\"}""", """got {\\\\\\\"pw\\\\\\\": \\\\\\\"***\\\\\\\"}""")]
    [InlineData("password: pa55 word with spaces", "password: ***")]
    [InlineData("Password : pa55 word with spaces, host: db", "Password : ***, host: db")]
    [InlineData("token request client_secret=abc123xyz&grant_type=x", "token request client_secret=***&grant_type=x")]
    [InlineData("{'secret': 'abc def', 'SecretId': 'prod/db'}", "{'secret': '***', 'SecretId': 'prod/db'}")]
    // What is not a password stays: ARNs (":secret:"), IAM actions, SecretId, words that merely contain "pass".
    [InlineData("Secret arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf is not enabled for rotation",
        "Secret arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf is not enabled for rotation")]
    [InlineData("User is not authorized to perform: secretsmanager:GetSecretValue on resource", "User is not authorized to perform: secretsmanager:GetSecretValue on resource")]
    [InlineData("""{"SecretId": "prod/db", "ClientRequestToken": "v-1", "Step": "setSecret"}""", """{"SecretId": "prod/db", "ClientRequestToken": "v-1", "Step": "setSecret"}""")]
    [InlineData("all 5 checks passed: bypass: none", "all 5 checks passed: bypass: none")]
    public void Password_values_are_redacted(string message, string expected) =>
        Assert.Equal(expected, new LogEvent(T, message).Message);
}

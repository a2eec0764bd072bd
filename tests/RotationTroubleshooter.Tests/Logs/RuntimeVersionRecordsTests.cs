using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Tests.Logs;

/// <summary>Which runtime version each execution environment, and so each attempt, ran on (Lambda's INIT_START records).</summary>
public class RuntimeVersionRecordsTests
{
    private static LogFileReadResult Read(string fixture) =>
        LogFileReader.Read(Path.Combine(AppContext.BaseDirectory, "Logs", "Fixtures", fixture + ".json"));

    [Theory]
    [InlineData("wrong-password-text")]
    [InlineData("wrong-password-json")]
    public void The_harness_records_in_both_log_formats_name_the_version_and_its_ARN(string fixture)
    {
        var read = Read(fixture);
        var starts = RuntimeVersionRecords.All(read.Events);

        var start = Assert.Single(starts.DistinctBy(s => s.LogStreamName));
        Assert.Equal("python:3.12.v38", start.RuntimeVersion);
        Assert.Equal("python3.12", start.Runtime);
        Assert.StartsWith("arn:aws:lambda:us-east-1::runtime:", start.RuntimeVersionArn);
        Assert.NotNull(start.LogStreamName);
    }

    [Fact]
    public void Each_attempt_is_matched_to_the_start_of_the_environment_it_ran_in()
    {
        var read = Read("wrong-password-text");
        var starts = RuntimeVersionRecords.All(read.Events);
        var attempts = RotationLogAnalyzer.Analyze(read.Events, "rotation", asOf: read.Events.Max(e => e.Timestamp).AddHours(1));

        Assert.All(attempts, a => Assert.Equal("python:3.12.v38", RuntimeVersionRecords.For(a, starts)?.RuntimeVersion));
    }

    [Fact]
    public void The_line_a_reporter_quoted_is_read_with_the_tab_Lambda_writes_or_the_space_a_copy_leaves()
    {
        // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/issues/161 (comment of 2025-09-01), as quoted.
        const string Quoted = "INIT_START Runtime Version: python:3.9.v101 Runtime Version ARN: arn:aws:lambda:eu-central-1::runtime:af29e10439856e364100c5dec1ce9c55d44feb2772258f7a7e480a95474aa18f";
        foreach (var line in new[] { Quoted, Quoted.Replace(" Runtime Version ARN", "\tRuntime Version ARN", StringComparison.Ordinal) })
        {
            var start = RuntimeVersionRecords.Parse(new LogEvent(Transcript.T0, line, Transcript.DefaultStream));

            Assert.NotNull(start);
            Assert.Equal("python:3.9.v101", start.RuntimeVersion);
            Assert.Equal("python3.9", start.Runtime);
            Assert.Equal("arn:aws:lambda:eu-central-1::runtime:af29e10439856e364100c5dec1ce9c55d44feb2772258f7a7e480a95474aa18f", start.RuntimeVersionArn);
        }
    }

    [Fact]
    public void A_change_of_Python_version_between_environments_is_told_apart_from_a_patch_release()
    {
        const string Stream1 = "2026/11/01/[$LATEST]00000000000000000000000000000001";
        const string Stream2 = "2026/11/08/[$LATEST]00000000000000000000000000000002";
        const string Stream3 = "2026/11/15/[$LATEST]00000000000000000000000000000003";
        var events = new[]
        {
            new LogEvent(Transcript.T0, "INIT_START Runtime Version: python:3.9.v101\tRuntime Version ARN: arn:aws:lambda:eu-central-1::runtime:aa", Stream1),
            new LogEvent(Transcript.T0.AddDays(7), "INIT_START Runtime Version: python:3.9.v102\tRuntime Version ARN: arn:aws:lambda:eu-central-1::runtime:bb", Stream2),
            new LogEvent(Transcript.T0.AddDays(14),
                """{"time":"2026-12-04T03:00:00.000Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"python:3.10.v40","runtimeVersionArn":"arn:aws:lambda:eu-central-1::runtime:cc","functionName":"f","functionVersion":"$LATEST"}}""",
                Stream3),
        };

        var changes = RuntimeVersionRecords.Changes(RuntimeVersionRecords.All(events));

        Assert.Equal(2, changes.Count);
        Assert.False(changes[0].RuntimeChanged);
        Assert.True(changes[1].RuntimeChanged);
        Assert.Equal("python3.9", changes[1].Before.Runtime);
        Assert.Equal("python3.10", changes[1].After.Runtime);
        Assert.Equal(new DateTime(2026, 12, 4, 3, 0, 0, DateTimeKind.Utc), changes[1].After.Time);
    }

    [Theory]
    [InlineData("START RequestId: 0a1b Version: $LATEST")]
    [InlineData("INIT_REPORT Init Duration: 12.00 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError")]
    [InlineData("""{"time":"2026-12-04T03:00:00.000Z","type":"platform.start","record":{"requestId":"0a1b","version":"$LATEST"}}""")]
    [InlineData("""{"type":"platform.initStart","record":"not an object"}""")]
    [InlineData("{\"type\":\"platform.initStart\", broken")]
    public void Other_records_and_malformed_ones_are_not_starts(string message) =>
        Assert.Null(RuntimeVersionRecords.Parse(new LogEvent(Transcript.T0, message, Transcript.DefaultStream)));
}

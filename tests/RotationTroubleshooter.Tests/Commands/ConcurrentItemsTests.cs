using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using RotationTroubleshooter.Commands;

namespace RotationTroubleshooter.Tests.Commands;

/// <summary>
/// The part that works on many items at once: answers come out in input order whatever order the work ends in, no
/// more than -ThrottleLimit run together, an item whose shared reads are not in yet lets later ones go first, a
/// failure is written in its item's place, and a stopped run returns promptly and sends nothing after.
/// </summary>
public sealed class ConcurrentItemsTests
{
    private readonly PipelineMessages _messages = new();
    private readonly Writer _writer = new();
    private readonly CancellationTokenSource _stop = new();

    private ConcurrentItems Items(int throttleLimit) => new(throttleLimit, "Testing", _writer, _messages, _stop.Token);

    [Fact]
    public void Answers_come_out_in_input_order_while_later_items_finish_first_and_at_most_the_limit_run_at_once()
    {
        var items = Items(throttleLimit: 3);
        var running = 0;
        var most = 0;
        for (var i = 0; i < 8; i++)
        {
            var n = i;
            items.Enqueue($"item {n}", async stop =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                await Task.Delay(TimeSpan.FromMilliseconds(20 * (8 - n)), stop);
                Interlocked.Decrement(ref running);
                return [$"answer {n}"];
            });
        }

        items.End();

        Assert.Equal(Enumerable.Range(0, 8).Select(n => $"answer {n}"), _writer.Objects);
        Assert.InRange(most, 2, 3);
    }

    [Fact]
    public void An_item_that_is_not_ready_holds_no_slot_and_is_still_answered_in_its_place()
    {
        var items = Items(throttleLimit: 1);
        var started = new ConcurrentQueue<string>();
        var sharedRead = new TaskCompletionSource();
        items.Enqueue("waiting", _ =>
        {
            started.Enqueue("waiting");
            return Task.FromResult<IEnumerable<object>>(["waiting's answer"]);
        }, sharedRead.Task);
        items.Enqueue("ready", async _ =>
        {
            started.Enqueue("ready");
            await Task.Yield();
            sharedRead.SetResult(); // the read-ahead comes in meanwhile
            return ["ready's answer"];
        });

        items.End();

        Assert.Equal(["ready", "waiting"], started);
        Assert.Equal(["waiting's answer", "ready's answer"], _writer.Objects);
    }

    [Fact]
    public void A_failure_is_written_in_its_items_place()
    {
        var items = Items(throttleLimit: 4);
        items.Enqueue("first", _ => Task.FromResult<IEnumerable<object>>(["first"]));
        items.Enqueue("second", async _ =>
        {
            await Task.Yield();
            throw new TroubleshooterException(ErrorIds.SecretNotFound, FailureCategory.NotFound, "no such secret");
        });
        items.EnqueueFailure("third", new TroubleshooterException(ErrorIds.UnrecognizedInput, FailureCategory.InvalidArgument, "names nothing"));
        items.Enqueue("fourth", _ => Task.FromResult<IEnumerable<object>>(["fourth"]));

        items.End();

        Assert.Equal(["object first", "failure second SecretNotFound", "failure third UnrecognizedInput", "object fourth"], _writer.Written);
    }

    [Fact]
    public void A_stopped_run_returns_promptly_starts_nothing_more_and_sends_nothing_after()
    {
        var items = Items(throttleLimit: 2);
        var sends = new ConcurrentQueue<long>();
        var started = 0;
        for (var i = 0; i < 10; i++)
        {
            items.Enqueue($"item {i}", async stop =>
            {
                Interlocked.Increment(ref started);
                while (true)
                {
                    await Task.Delay(10, stop); // a request, as the pipeline sends them: it observes the stop token
                    sends.Enqueue(Stopwatch.GetTimestamp());
                }
            });
        }
        SpinWait.SpinUntil(() => sends.Count >= 4, TimeSpan.FromSeconds(10));

        var watch = Stopwatch.StartNew();
        _stop.Cancel();   // what StopProcessing does first
        items.Stop();
        var returned = Stopwatch.GetTimestamp();
        watch.Stop();
        Thread.Sleep(300);
        _messages.Drain();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"Stop took {watch.Elapsed}");
        Assert.Equal(2, started);
        Assert.DoesNotContain(sends, sent => sent > returned);
        Assert.Empty(_writer.Written); // a cancelled item's OperationCanceledException is no error
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    /// <summary>What the cmdlet would write, in order (results and errors; progress is counted apart).</summary>
    private sealed class Writer : IItemWriter
    {
        public List<string> Written { get; } = [];
        public IEnumerable<string> Objects => Written.Where(w => w.StartsWith("object ")).Select(w => w["object ".Length..]);
        public int ProgressCount { get; private set; }

        public void Object(object? value) => Written.Add($"object {value}");

        public void Failure(Exception error, object? target) =>
            Written.Add($"failure {target} {(error as TroubleshooterException)?.ErrorId ?? error.GetType().Name}");

        public void Progress(ProgressRecord record) => ProgressCount++;
    }
}

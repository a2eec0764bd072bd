using RotationTroubleshooter.Commands;

namespace RotationTroubleshooter.Tests.Commands;

/// <summary>
/// The ordered writer: what an item's work posts (results, errors, verbose lines) is written on the draining thread,
/// after everything the items before it posted, and as soon as those are done; progress is written at once.
/// </summary>
public sealed class PipelineMessagesTests
{
    private readonly PipelineMessages _messages = new();
    private readonly List<string> _written = [];

    /// <summary>Posts from an item's own async flow, as ConcurrentItems' workers do.</summary>
    private Task PostFrom(PipelineMessages.Item item, params string[] texts) => Task.Run(() =>
    {
        PipelineMessages.BelongTo(item);
        foreach (var text in texts) _messages.Post(() => _written.Add(text));
    });

    [Fact]
    public async Task A_later_item_is_written_after_the_earlier_ones_even_when_it_finishes_first()
    {
        var first = _messages.Begin();
        var second = _messages.Begin();
        var third = _messages.Begin();

        await PostFrom(third, "third result");
        _messages.Finish(third);
        await PostFrom(second, "second verbose", "second result");
        _messages.Finish(second);
        await PostFrom(first, "first verbose");
        _messages.Drain();
        Assert.Equal(["first verbose"], _written);

        await PostFrom(first, "first result");
        _messages.Finish(first);
        _messages.Drain();
        Assert.Equal(["first verbose", "first result", "second verbose", "second result", "third result"], _written);
    }

    [Fact]
    public async Task The_first_unfinished_item_is_written_as_it_goes()
    {
        var first = _messages.Begin();
        var second = _messages.Begin();

        await PostFrom(second, "second");
        await PostFrom(first, "first, part 1");
        _messages.Drain();
        await PostFrom(first, "first, part 2");
        _messages.Drain();

        Assert.Equal(["first, part 1", "first, part 2"], _written);
    }

    [Fact]
    public async Task Progress_and_posts_outside_any_item_are_written_at_once()
    {
        var first = _messages.Begin();
        await PostFrom(first, "first result");
        _messages.PostNow(() => _written.Add("progress"));
        _messages.Post(() => _written.Add("a retry, outside any item"));

        _messages.Drain();

        Assert.Equal(["progress", "a retry, outside any item", "first result"], _written);
    }

    [Fact]
    public void Draining_until_a_task_ends_stops_waiting_when_the_run_is_stopped()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var never = new TaskCompletionSource().Task;
        var watch = System.Diagnostics.Stopwatch.StartNew();

        _messages.DrainUntil(never, stop.Token);

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));
    }
}

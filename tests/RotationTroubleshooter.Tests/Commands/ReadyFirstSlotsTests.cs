using RotationTroubleshooter.Commands;

namespace RotationTroubleshooter.Tests.Commands;

/// <summary>
/// The -ThrottleLimit slots: an item that is not ready (its shared reads are not in yet) holds none, and a free slot
/// goes to the earliest item that is ready, never more than the look-ahead past the earliest unfinished one.
/// </summary>
public sealed class ReadyFirstSlotsTests
{
    [Fact]
    public void A_slot_goes_to_the_earliest_ready_item_and_an_item_that_is_not_ready_holds_none()
    {
        var slots = new ReadyFirstSlots(2);
        var firstReady = new TaskCompletionSource();
        var first = slots.Add(firstReady.Task);
        var second = slots.Add();
        var third = slots.Add();
        var fourth = slots.Add();

        Assert.False(first.Given.IsCompleted);
        Assert.True(second.Given.IsCompleted);
        Assert.True(third.Given.IsCompleted);
        Assert.False(fourth.Given.IsCompleted);

        firstReady.SetResult();
        Assert.False(first.Given.IsCompleted); // both slots are taken

        slots.Finish(second);
        Assert.True(first.Given.IsCompleted);   // the earliest ready item, not the fourth
        Assert.False(fourth.Given.IsCompleted);

        slots.Finish(third);
        Assert.True(fourth.Given.IsCompleted);
    }

    [Fact]
    public void A_failed_readiness_still_makes_the_item_ready()
    {
        var slots = new ReadyFirstSlots(1);
        var ready = new TaskCompletionSource();
        var item = slots.Add(ready.Task);

        ready.SetException(new InvalidOperationException("the read-ahead failed"));

        Assert.True(item.Given.IsCompleted);
    }

    [Fact]
    public void No_slot_goes_further_than_the_look_ahead_past_the_earliest_unfinished_item()
    {
        var slots = new ReadyFirstSlots(count: 5, lookAhead: 3);
        var blocked = slots.Add(new TaskCompletionSource().Task);
        var later = Enumerable.Range(0, 4).Select(_ => slots.Add()).ToList();

        Assert.Equal([true, true, false, false], later.Select(t => t.Given.IsCompleted));

        slots.Finish(blocked); // stopped before its turn came: the earliest unfinished item is now later[0]
        Assert.Equal([true, true, true, false], later.Select(t => t.Given.IsCompleted));

        slots.Finish(later[0]);
        Assert.True(later[3].Given.IsCompleted);
    }

    [Fact]
    public void An_item_stopped_while_waiting_gives_up_its_place()
    {
        var slots = new ReadyFirstSlots(1);
        var running = slots.Add();
        var stopped = slots.Add();
        var next = slots.Add();

        slots.Finish(stopped);
        slots.Finish(running);

        Assert.False(stopped.Given.IsCompleted);
        Assert.True(next.Given.IsCompleted);
    }
}

using System.Collections.Concurrent;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// PowerShell lets only the pipeline thread write output, errors, verbose and progress. Work on other threads posts
/// here; the cmdlet drains the queue on its own thread. What an item's work posts (its results, errors and verbose lines)
/// is written in input order: an item's writes wait only for the items before it.
/// </summary>
public sealed class PipelineMessages
{
    // The item whose work is running on this async flow; its posts go to its own queue.
    private static readonly AsyncLocal<Item?> Current = new();

    private readonly BlockingCollection<Action> _queue = new();
    private readonly Queue<Item> _items = new();

    /// <summary>One pipeline item's writes, held until the items before it are written.</summary>
    public sealed class Item
    {
        private readonly List<Action> _writes = [];
        private bool _done;

        internal void Add(Action write)
        {
            lock (_writes) _writes.Add(write);
        }

        internal void Finish()
        {
            lock (_writes) _done = true;
        }

        internal (List<Action> Writes, bool Done) Take()
        {
            lock (_writes)
            {
                var writes = _writes.ToList();
                _writes.Clear();
                return (writes, _done);
            }
        }
    }

    /// <summary>Starts an item, in input order (pipeline thread).</summary>
    public Item Begin()
    {
        var item = new Item();
        _items.Enqueue(item);
        return item;
    }

    /// <summary>Makes the calling async flow's posts belong to the item (call at the start of the item's work).</summary>
    public static void BelongTo(Item item) => Current.Value = item;

    /// <summary>Says the item's work is over: later items may be written after what it posted.</summary>
    public void Finish(Item item)
    {
        item.Finish();
        _queue.Add(() => { });
    }

    /// <summary>Writes in the current item's place when called from an item's work, else as soon as possible.</summary>
    public void Post(Action write)
    {
        if (Current.Value is { } item)
        {
            item.Add(write);
            _queue.Add(() => { });
        }
        else
        {
            _queue.Add(write);
        }
    }

    /// <summary>Writes as soon as possible, whatever item is running (progress).</summary>
    public void PostNow(Action write) => _queue.Add(write);

    /// <summary>Writes whatever may be written now, without waiting.</summary>
    public void Drain()
    {
        while (_queue.TryTake(out var write)) write();
        WriteItemsInOrder();
    }

    /// <summary>Writes messages until <paramref name="done"/> completes or the run is stopped.</summary>
    public void DrainUntil(Task done, CancellationToken stopping)
    {
        while (!done.IsCompleted && !stopping.IsCancellationRequested)
        {
            if (_queue.TryTake(out var write, 100)) write();
            WriteItemsInOrder();
        }
        Drain();
    }

    private void WriteItemsInOrder()
    {
        while (_items.TryPeek(out var first))
        {
            var (writes, done) = first.Take();
            foreach (var write in writes) write();
            if (!done) return;
            _items.Dequeue();
        }
    }
}

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// A growable circular buffer addressed by position from the oldest item: appends at the end, drops from
/// the front, O(1) both ways, so a stream can index events by replay id without shifting memory.
/// </summary>
internal sealed class EventRing<T>
{
    private T[] _items = new T[16];
    private int _head;

    public int Count { get; private set; }

    public T this[int index] => _items[(_head + index) % _items.Length];

    public T First => this[0];

    public void Add(T item)
    {
        if (Count == _items.Length)
        {
            var bigger = new T[_items.Length * 2];
            for (var i = 0; i < Count; i++)
            {
                bigger[i] = this[i];
            }

            _items = bigger;
            _head = 0;
        }

        _items[(_head + Count) % _items.Length] = item;
        Count++;
    }

    public void RemoveFirst()
    {
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        Count--;
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Connector.Ledger.Dialects;

/// <summary>
/// SQLite's bind calls on a statement's raw handle, for the rows path (<see cref="SqliteSession.TryExecuteRows"/>),
/// which holds one reference on the statement's SafeHandle while it binds all its values. The same library
/// SQLitePCL loads (e_sqlite3, from its bundle): through SQLitePCL, each call marshals the SafeHandle (a reference
/// taken and released per value), which cost about 4% of a backfill's CPU.
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    // SQLITE_TRANSIENT: SQLite copies the bytes before the call returns, so they can live on the stack.
    private static readonly nint Transient = -1;

    // Most values (ids, names, emails, reasons) are short: encoded on the stack; longer ones in a pooled buffer.
    private const int StackBytes = 512;

    public static int BindNull(nint statement, int index) => sqlite3_bind_null(statement, index);

    public static int BindInt64(nint statement, int index, long value) => sqlite3_bind_int64(statement, index, value);

    public static int BindText(nint statement, int index, ReadOnlySpan<byte> utf8)
    {
        fixed (byte* bytes = utf8)
        {
            // A zero-length value is still text, not NULL: a non-null pointer whatever the span holds.
            byte empty = 0;
            return sqlite3_bind_text(statement, index, utf8.Length == 0 ? &empty : bytes, utf8.Length, Transient);
        }
    }

    public static int BindText(nint statement, int index, string text)
    {
        var most = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (most <= StackBytes)
        {
            Span<byte> buffer = stackalloc byte[StackBytes];
            var length = Encoding.UTF8.GetBytes(text, buffer);
            return BindText(statement, index, buffer[..length]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(most);
        try
        {
            var length = Encoding.UTF8.GetBytes(text, rented);
            return BindText(statement, index, rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int sqlite3_bind_text(nint statement, int index, byte* text, int length, nint destructor);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int sqlite3_bind_int64(nint statement, int index, long value);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int sqlite3_bind_null(nint statement, int index);
}

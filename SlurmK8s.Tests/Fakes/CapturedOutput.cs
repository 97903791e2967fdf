using System.Text;

namespace SlurmK8s.Tests.Fakes;

/// <summary>A write-only stream that keeps what was written, safe to read while another thread writes (the companion's stdout).</summary>
internal sealed class CapturedOutput : Stream
{
    private readonly Lock _gate = new();
    private readonly List<byte> _bytes = [];

    public string Text
    {
        get
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString([.. _bytes]);
            }
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (_gate)
        {
            _bytes.AddRange(buffer.AsSpan(offset, count));
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace qreload::app {

/*!
 * Follows a chunked request body (RFC 9112 §7.1) as it arrives, without keeping it: how many body
 * bytes it carries so far, how many its current chunk announces, and where it ends. Lets
 * ConnectionGuard refuse a chunked body that grows over the limit before QHttpServer reads it.
 */
class ChunkedBody
{
public:
    enum class State {
        Size,      //!< reading a chunk-size line (hex size, optional `;extension`)
        Data,      //!< inside a chunk's data
        DataEnd,   //!< expecting the CRLF after a chunk's data
        Trailer,   //!< after the last chunk: trailer fields up to an empty line
        Done,      //!< the body has ended
        Malformed, //!< not chunked framing (bad size, missing CRLF, line over 4 KiB)
    };

    //! Reads from `data` up to the end of the body; returns how many bytes belong to it.
    qsizetype feed(QByteArrayView data);

    State state() const { return m_state; }
    //! Body bytes seen so far plus what the current chunk still announces: the size the body
    //! will reach at least.
    qint64 announcedBytes() const { return m_dataBytes + m_chunkLeft; }

private:
    static constexpr qsizetype MaxLineBytes = 4096;
    bool takeLine(QByteArrayView data, qsizetype *i);

    State m_state = State::Size;
    qint64 m_dataBytes = 0; //!< data bytes of finished chunks and of the current one so far
    qint64 m_chunkLeft = 0; //!< data bytes the current chunk still has to send
    QByteArray m_line;      //!< the line being read (size line, trailer field)
};

} // namespace qreload::app

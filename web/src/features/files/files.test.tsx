import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/http';
import { fakeFetch, renderApp } from '../../test/utils';
import { checkFile, DOCUMENT_LIMIT, IMAGE_LIMIT, type Uploader } from './api';
import { FileCard, ImageThumb, RoomFiles, StagedFiles, useStagedFiles } from './components';

function file(name: string, type: string, size = 10) {
  const f = new File(['x'], name, { type });
  Object.defineProperty(f, 'size', { value: size });
  return f;
}

function Harness({ uploader }: { uploader: Uploader }) {
  const files = useStagedFiles('r1', uploader);
  return (
    <>
      <button type="button" onClick={() => files.add([file('defect.png', 'image/png', 2048), file('big.jpg', 'image/jpeg', IMAGE_LIMIT + 1), file('page.svg', 'image/svg+xml')])}>
        add
      </button>
      <StagedFiles staged={files.staged} rejections={files.rejections} onRemove={files.remove} onUpload={(d) => void files.uploadAll(d)} />
    </>
  );
}

describe('files', () => {
  it('accepts images up to 10 MB and documents up to 20 MB, refuses SVG, HTML and unknown types', () => {
    expect(checkFile({ name: 'a.png', type: 'image/png', size: IMAGE_LIMIT })).toEqual({ ok: true, kind: 'image' });
    expect(checkFile({ name: 'a.png', type: 'image/png', size: IMAGE_LIMIT + 1 })).toEqual({ ok: false, reason: 'too_large' });
    expect(checkFile({ name: 'r.xlsx', type: '', size: DOCUMENT_LIMIT })).toEqual({ ok: true, kind: 'document' });
    expect(checkFile({ name: 'r.pdf', type: 'application/pdf', size: DOCUMENT_LIMIT + 1 })).toEqual({ ok: false, reason: 'too_large' });
    expect(checkFile({ name: 'x.svg', type: 'image/svg+xml', size: 1 })).toEqual({ ok: false, reason: 'refused' });
    expect(checkFile({ name: 'x.html', type: 'text/html', size: 1 })).toEqual({ ok: false, reason: 'refused' });
    expect(checkFile({ name: 'x.exe', type: 'application/octet-stream', size: 1 })).toEqual({ ok: false, reason: 'refused' });
  });

  it('previews accepted files, says why the others were refused, and shows upload progress', async () => {
    let progress: (f: number) => void = () => {};
    let finish: () => void = () => {};
    const uploader: Uploader = (_room, _file, _d, onProgress) => {
      progress = onProgress;
      return new Promise((resolve) => {
        finish = () => resolve({} as never);
      });
    };
    render(<Harness uploader={uploader} />);
    fireEvent.click(screen.getByText('add'));
    expect(screen.getByText('defect.png')).toBeInTheDocument();
    expect(screen.getByText(/big\.jpg is too large/)).toBeInTheDocument();
    expect(screen.getByText(/page\.svg: this file type is not accepted/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    act(() => progress(0.4));
    expect(screen.getByRole('progressbar', { name: 'Upload progress of defect.png' })).toHaveAttribute('value', '0.4');
    await act(async () => finish());
    await waitFor(() => expect(screen.queryByText('defect.png')).not.toBeInTheDocument());
  });

  it('explains a refusal by the server (413 too large, 415 type)', async () => {
    const uploader: Uploader = async () => {
      throw new ApiError({ status: 415, code: 'unsupported_media_type' });
    };
    render(<Harness uploader={uploader} />);
    fireEvent.click(screen.getByText('add'));
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    expect(await screen.findByText('defect.png: this file type is not accepted')).toBeInTheDocument();
  });

  it('shows an image message as a thumbnail that opens the full image in a lightbox', () => {
    renderApp(<ImageThumb fileId="f1" alt="scratch on belt" />);
    const thumb = screen.getByRole('img', { name: 'scratch on belt' });
    expect(thumb).toHaveAttribute('src', '/api/files/f1/thumbnail');
    fireEvent.click(screen.getByRole('button', { name: 'Enlarge scratch on belt' }));
    const dialog = screen.getByRole('dialog', { name: 'scratch on belt' });
    expect(dialog.querySelector('img')).toHaveAttribute('src', '/api/files/f1/content');
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('shows a document as a card with its name, size and a download link', async () => {
    fakeFetch([['GET', /\/api\/files\/f2$/, () => ({ body: { file_id: 'f2', filename: 'report.pdf', size: 2048 } })]]);
    renderApp(<FileCard fileId="f2" />);
    expect(await screen.findByText('report.pdf')).toBeInTheDocument();
    expect(screen.getByText('2.0 KB')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Download report.pdf' })).toHaveAttribute('href', '/api/files/f2/content');
  });

  it("lists the room's files, and says so when the file service is not there", async () => {
    fakeFetch([['GET', /\/api\/rooms\/r1\/files/, () => ({ body: { items: [{ file_id: 'f3', filename: 'log.txt', kind: 'document', size: 5 }], total: 1 } })]]);
    renderApp(<RoomFiles roomId="r1" />);
    expect(await screen.findByText('log.txt')).toBeInTheDocument();
    fakeFetch([]);
    renderApp(<RoomFiles roomId="r2" />);
    expect(await screen.findByText('The file service is not available')).toBeInTheDocument();
  });
});

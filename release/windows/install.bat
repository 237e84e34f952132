@echo off
rem 离线安装 xuncha-audit（Windows x86-64，无需联网）。Offline install from this bundle.
rem 需要先安装 Python 3.11（64 位），安装时勾选 "Add python.exe to PATH" 或使用 py 启动器。
chcp 65001 >nul
setlocal
set "HERE=%~dp0.."
where py >nul 2>nul && (set "PY=py -3.11") || (set "PY=python")
%PY% -c "import sys; assert sys.version_info[:2]==(3,11) and sys.maxsize>2**32" 2>nul
if errorlevel 1 (
  echo 错误：需要 64 位 Python 3.11。请先安装 Python 3.11 x64，再运行本脚本。
  echo Error: 64-bit Python 3.11 is required.
  exit /b 2
)
echo 正在创建虚拟环境 %HERE%\.venv ...
%PY% -m venv "%HERE%\.venv" || exit /b 3
"%HERE%\.venv\Scripts\python.exe" -m pip install --no-index --find-links "%HERE%\wheels\windows" -r "%HERE%\windows.lock" || exit /b 3
"%HERE%\.venv\Scripts\python.exe" -m pip install --no-index --find-links "%HERE%\wheels\windows" --no-deps xuncha-audit || exit /b 3
echo.
echo 安装完成。运行样例：windows\run.bat data_samples 输出
echo Installed. Try: windows\run.bat data_samples out
endlocal
